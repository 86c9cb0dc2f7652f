// The EventBridge bus and the rule that sends events to the fan-out, defined once: the CDK stack
// deploys this pattern and the local runtime's PutEvents endpoint matches with it.

export const DEFAULT_EVENT_BUS_NAME = 'buildmarkets-events';

/** Platform services publish with Source "buildmarkets.<service>". */
export const FAN_OUT_RULE_PATTERN = { source: [{ prefix: 'buildmarkets.' }] } as const;
