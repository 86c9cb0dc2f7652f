// The loopback receiver lives in local/ so the bench, `npm run receiver` and the tests share it.
export { type Behaviour, type Received, type Receiver, startReceiver } from '../../local/receiver.js';
