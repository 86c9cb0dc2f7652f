// The loopback receiver lives in bench/ so the bench, `npm run receiver` and the tests share it.
export { type Behaviour, type Received, type Receiver, startReceiver } from '../../bench/receiver.js';
