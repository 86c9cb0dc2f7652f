// The bundles' stand-in for the SDK's default credential chain reads the role credentials Lambda
// puts in the environment, and fails clearly when they are missing.
import { defaultProvider } from '../../lambdas/shared/lambda-credentials.js';

const NAMES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION'] as const;

describe('lambda credentials', () => {
  const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
  afterEach(() => {
    for (const n of NAMES) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
  });

  it('resolves the access key, secret and session token from the environment', async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDLAMBDA', AWS_SECRET_ACCESS_KEY: 'secret-from-env', AWS_SESSION_TOKEN: 'session-from-env' });
    delete process.env.AWS_CREDENTIAL_EXPIRATION;
    expect(await defaultProvider()()).toMatchObject({ accessKeyId: 'AKIDLAMBDA', secretAccessKey: 'secret-from-env', sessionToken: 'session-from-env' });
  });

  it('rejects when the environment has no credentials', async () => {
    for (const n of NAMES) delete process.env[n];
    await expect(defaultProvider()()).rejects.toThrow(/environment/i);
  });
});
