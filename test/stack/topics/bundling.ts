// The one test that bundles: esbuild (no Docker) turns every handler into a minified ESM file with
// a source map, and the bundle runs in a fresh Node process — the way the Lambda runtime loads it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { App } from 'aws-cdk-lib';
import { logicalId, synth } from '../synth.js';

/** A guard against a dependency dragging half of npm into every function. */
const MAX_BUNDLE_BYTES = 1.5 * 1024 * 1024;

describe('bundling', () => {
  it('bundles each handler as minified ESM with a source map that imports and runs in a fresh node', () => {
    const { stack, template } = synth({ bundle: true, context: { 'aws:cdk:enable-asset-metadata': true } });
    const { outdir } = stack.node.root as App;
    const functions = template.findResources('AWS::Lambda::Function');

    const bundles = stack.functions.map((fn) => {
      const assetPath = functions[logicalId(stack, fn.fn)]!.Metadata['aws:asset:path'] as string;
      const file = join(outdir, assetPath, 'index.mjs');
      expect([fn.name, existsSync(file), existsSync(`${file}.map`)]).toEqual([fn.name, true, true]);
      const code = readFileSync(file, 'utf8');
      expect(code.startsWith("import { createRequire as __bmCreateRequire } from 'node:module';")).toBe(true);
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000); // minified: long lines
      expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      expect(statSync(file).size).toBeLessThan(MAX_BUNDLE_BYTES);
      // The bench's SDK observer (local/sdk-observer.ts) is attached from outside, never bundled.
      expect(code).not.toContain('benchSdkObserver');
      // Credentials come from the environment Lambda sets (lambdas/shared/lambda-credentials.ts),
      // not the SDK's whole default chain (SSO, INI profiles, processes, web identity, metadata).
      for (const source of ['sso_start_url', 'credential_process', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) {
        expect([fn.name, code.includes(source)]).toEqual([fn.name, false]);
      }
      return { name: fn.name, url: pathToFileURL(file).href };
    });

    // Import every bundle, then call the fallback: API Gateway event in, 404 envelope out.
    const script = `
      const bundles = ${JSON.stringify(bundles)};
      const types = {};
      for (const b of bundles) types[b.name] = typeof (await import(b.url)).handler;
      const fallback = await import(bundles.find((b) => b.name === 'fallback').url);
      const response = await fallback.handler(
        { version: '2.0', routeKey: '$default', rawPath: '/v2/nothing', rawQueryString: '', headers: {}, isBase64Encoded: false,
          requestContext: { requestId: 'req-1', http: { method: 'GET', path: '/v2/nothing' } } },
        { awsRequestId: 'req-1', functionName: 'fallback', getRemainingTimeInMillis: () => 10000 },
      );
      const portal = await import(bundles.find((b) => b.name === 'portal').url);
      const page = await portal.handler({ version: '2.0', routeKey: 'GET /portal', rawPath: '/portal', rawQueryString: '', headers: {},
        isBase64Encoded: false, requestContext: { requestId: 'req-2', http: { method: 'GET', path: '/portal' } } });
      console.log(JSON.stringify({ types, response, page: { statusCode: page.statusCode, type: page.headers['content-type'] } }));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
    const { types, response, page } = JSON.parse(output.trim().split('\n').at(-1)!) as {
      types: Record<string, string>;
      response: { statusCode: number; body: string };
      page: { statusCode: number; type: string };
    };
    // The portal function carries its page and assets in its bundle (portal/build.ts).
    expect(page).toEqual({ statusCode: 200, type: 'text/html; charset=utf-8' });
    expect(Object.values(types)).toEqual(bundles.map(() => 'function'));
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'NOT_FOUND' } });
  }, 180_000);
});
