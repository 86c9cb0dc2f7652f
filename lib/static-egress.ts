// SPEC §11 static egress (stage option `egress: "static"`): a VPC whose private subnets reach the
// internet through one NAT gateway per availability zone, each holding an Elastic IP created
// here, so the addresses are known to the stack: the delivery functions run in those subnets, the
// addresses are a stack output and the egress-ips route's environment. Without the option there
// is no VPC at all (no NAT cost): the default.
import { Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { EgressMode } from '../lambdas/domain/egress.js';
import type { DataKey } from './data-key.js';
import type { StageConfig } from './stage-config.js';

export type StaticEgressProps = {
  stage: StageConfig;
  /** With `dataKey: customer-managed`: the key of the flow logs' group (lib/data-key.ts). */
  dataKey?: DataKey;
};

/** The network a function joins: its subnets and security group. */
export type FunctionNetwork = Pick<lambda.FunctionOptions, 'vpc' | 'vpcSubnets' | 'securityGroups'>;

export class StaticEgress extends Construct {
  readonly vpc: ec2.Vpc;
  /** One per availability zone, each on that zone's NAT gateway. */
  readonly addresses: ec2.CfnEIP[];
  /** The delivery functions' group: outbound only, nothing may connect in. */
  readonly securityGroup: ec2.SecurityGroup;
  readonly flowLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: StaticEgressProps) {
    super(scope, id);
    const { stage } = props;
    const count = stage.egressAzCount;
    this.addresses = Array.from(
      { length: count },
      (_, i) => new ec2.CfnEIP(this, `Address${i + 1}`, { domain: 'vpc', tags: [{ key: 'Name', value: `${stage.stackName}-egress-${i + 1}` }] }),
    );
    for (const address of this.addresses) {
      // Partners allowlist these: a retained stack keeps them rather than hand them back to AWS.
      address.applyRemovalPolicy(stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
    }
    this.flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: stage.logRetentionDays as logs.RetentionDays,
      removalPolicy: stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      ...(props.dataKey ? { encryptionKey: props.dataKey.key } : {}),
    });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      // The region's first zones by name; an environment-agnostic stack knows them only at deploy
      // time (and would otherwise get two at most).
      availabilityZones: Array.from({ length: count }, (_, i) => Fn.select(i, Fn.getAzs(Stack.of(this).region))),
      natGateways: count,
      natGatewayProvider: ec2.NatProvider.gateway({ eipAllocationIds: this.addresses.map((a) => a.attrAllocationId) }),
      subnetConfiguration: [
        { name: 'nat', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'delivery', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      // Nothing runs in the default group; restricting it would add a custom-resource function.
      restrictDefaultSecurityGroup: false,
      // The delivery functions' table reads and writes skip the NAT gateways (a gateway endpoint is free;
      // NAT data processing is not). SQS and KMS calls still go through NAT (docs/deploy.md).
      gatewayEndpoints: { DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB } },
      flowLogs: {
        all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogs), trafficType: ec2.FlowLogTrafficType.ALL },
      },
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'DeliverySecurityGroup', {
      vpc: this.vpc,
      description: 'Buildmarkets Webhooks delivery functions: outbound to partner endpoints only',
      allowAllOutbound: true,
    });
  }

  /** What a delivery function needs to send from these addresses. */
  get network(): FunctionNetwork {
    return { vpc: this.vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, securityGroups: [this.securityGroup] };
  }

  /** The addresses, comma-separated (a deploy-time value). */
  get addressList(): string {
    return Fn.join(',', this.addresses.map((a) => a.attrPublicIp));
  }
}

/** The egress-ips route's environment (lambdas/shared/config.ts: EGRESS_MODE, EGRESS_IPS). */
export function egressEnvironment(egress: StaticEgress | undefined): Record<string, string> {
  const mode: EgressMode = egress ? 'static' : 'none';
  return { EGRESS_MODE: mode, ...(egress ? { EGRESS_IPS: egress.addressList } : {}) };
}

/**
 * What Lambda needs to attach a function to the VPC (AWS's AWSLambdaVPCAccessExecutionRole, inline:
 * the roles carry no managed policy). EC2 gives these actions no resource-level scope before the
 * network interface exists, hence `*` (acknowledged to cdk-nag where it is added).
 */
export const vpcAccessStatement = () =>
  new iam.PolicyStatement({
    sid: 'AttachToVpc',
    actions: [
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
    ],
    resources: ['*'],
  });
