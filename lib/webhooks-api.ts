// The management API: an HTTP API whose routes come from lambdas/routes.ts (the table the local
// runtime routes with), one function per route, the fallback function on `$default`.
//
// Authentication is not an API Gateway authorizer: each route function authenticates in its
// middy middleware (lambdas/http/authenticate.ts) against the api-keys table. An HTTP API
// REQUEST authorizer cannot serve both credential forms of SPEC §2 with caching (identity
// sources must all be present, so X-API-Key/X-API-Secret and Basic would need two APIs), and
// its 401/403 would bypass the SPEC error envelope and X-Request-Id. See docs/deploy.md.
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FALLBACK_HANDLER, ROUTE_LIST } from '../lambdas/routes.js';
import type { RouteFunctionName } from './function-access.js';
import type { StageConfig } from './stage-config.js';
import { WebhookFunction } from './webhook-function.js';
import type { WebhooksState } from './webhooks-state.js';

/** Route functions answer within API Gateway's 30 s integration limit. */
const ROUTE_TIMEOUT = Duration.seconds(10);
/**
 * recover works for RECOVER_BUDGET_MS (10 s), then counts what is left for the answer: it gets
 * the most an HTTP API integration allows (30 s) short of a second, the others 10 s.
 */
const ROUTE_TIMEOUTS: Partial<Record<RouteFunctionName, Duration>> = { 'recover-events': Duration.seconds(29) };

/** Access log line: who, what, outcome, latency. No headers or query strings (credentials). */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
};

export type WebhooksApiProps = {
  state: WebhooksState;
  stage: StageConfig;
  /** Extra environment of some route functions (e.g. the egress addresses of get-egress-ips). */
  routeEnvironment?: Partial<Record<RouteFunctionName, Record<string, string>>>;
};

export class WebhooksApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  /** One function per route of ROUTE_LIST, plus the fallback. */
  readonly functions: WebhookFunction[] = [];
  readonly routeFunctions = new Map<RouteFunctionName, WebhookFunction>();
  readonly fallback: WebhookFunction;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: WebhooksApiProps,
  ) {
    super(scope, id);
    this.fallback = this.routeFunction(FALLBACK_HANDLER, 'Buildmarkets Webhooks: $default route (404 / 405)');
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      apiName: `${props.stage.stackName}-api`,
      description: 'Buildmarkets Webhooks management API (SPEC §2)',
      createDefaultStage: false,
      defaultIntegration: new HttpLambdaIntegration('FallbackIntegration', this.fallback.fn),
    });
    this.addRoutes();
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.stage.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      ...(props.state.dataKey ? { encryptionKey: props.state.dataKey.key } : {}),
    });
    this.stage = this.defaultStage(props.stage);
    acknowledgeOwnAuthentication(this.httpApi);
  }

  private routeFunction(name: RouteFunctionName | typeof FALLBACK_HANDLER, description: string, reservedConcurrentExecutions?: number): WebhookFunction {
    const { state, stage } = this.props;
    const environment = name === FALLBACK_HANDLER ? undefined : this.props.routeEnvironment?.[name];
    const fn = new WebhookFunction(this, pascalCase(name), {
      name,
      description,
      state,
      stage,
      timeout: (name !== FALLBACK_HANDLER && ROUTE_TIMEOUTS[name]) || ROUTE_TIMEOUT,
      reservedConcurrentExecutions,
      ...(environment ? { environment } : {}),
    });
    this.functions.push(fn);
    return fn;
  }

  /** A function and an integration per route of ROUTE_LIST. */
  private addRoutes(): void {
    // Entries that share a name (the portal's page and assets) share one function and integration.
    const integrations = new Map<RouteFunctionName, HttpLambdaIntegration>();
    for (const route of ROUTE_LIST) {
      const name = route.name as RouteFunctionName;
      let integration = integrations.get(name);
      if (!integration) {
        // Reserved per route (stage configuration): delivery cannot take the API's concurrency.
        const fn = this.routeFunction(name, `Buildmarkets Webhooks: ${route.method} ${route.path}`, this.props.stage.apiReservedConcurrency);
        this.routeFunctions.set(name, fn);
        integration = new HttpLambdaIntegration(`${pascalCase(name)}Integration`, fn.fn);
        integrations.set(name, integration);
      }
      this.httpApi.addRoutes({ path: route.path, methods: [apigw.HttpMethod[route.method]], integration });
    }
  }

  /** `$default`, throttled and access-logged. */
  private defaultStage(stage: StageConfig): apigw.HttpStage {
    return this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: stage.apiThrottleRateLimit, burstLimit: stage.apiThrottleBurstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
  }
}

/** Covers every route of ROUTE_LIST and `$default` (the fallback only answers 404/405 from the route table). */
function acknowledgeOwnAuthentication(httpApi: apigw.HttpApi): void {
  Validations.of(httpApi).acknowledge({
    id: 'AwsSolutions-APIG4',
    reason:
      'Each route function authenticates the caller itself (lambdas/http/authenticate.ts: X-API-Key/X-API-Secret or Basic, checked against the hashed ' +
      'api-keys table, scope per route, then the per-key rate limit). An HTTP API Lambda authorizer cannot accept both credential forms with caching ' +
      '(every identity source must be present) and would answer 401/403 outside the SPEC error envelope. The $default route only answers 404/405. ' +
      'GET /v1/openapi.json is public by design (SPEC §8: route scope null), serving a document built from code, no data. The portal routes (also scope null) serve only the static portal page and its assets, which sign in through the API itself.',
  });
}

export function pascalCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}
