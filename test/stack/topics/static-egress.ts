// SPEC §11 static egress in the synthesized template: none by default (no VPC, no NAT, no address);
// with `egress: static`, one Elastic IP on one NAT gateway per availability zone, the two delivery
// functions (and only they) in the private subnets, the addresses as a stack output and in the
// egress-ips function's environment, VPC flow logs, and cdk-nag clean on a sandbox over one zone
// (CloudFormation's validation, and cdk-nag with a customer-managed key: the every-option stage in
// webhooks-stack.ts).
import { EGRESS_IPS_OUTPUT } from '../../../lib/stack-outputs.js';
import { actionsOf, defaultStage, logicalId, nagFindings, roleStatements, synth } from '../synth.js';

type Resource = { Type: string; Properties: Record<string, any> };

const DELIVERY = ['deliver', 'deliver-slow'];

describe('egress: none (the default)', () => {
  const { stack, template } = defaultStage();

  it('has no VPC, NAT gateway or Elastic IP, no function in a VPC and no egress output', () => {
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::NatGateway', 'AWS::EC2::EIP', 'AWS::EC2::Subnet', 'AWS::EC2::FlowLog']) {
      expect([type, Object.keys(template.findResources(type))]).toEqual([type, []]);
    }
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')) as Resource[]) expect(fn.Properties.VpcConfig).toBeUndefined();
    expect(Object.keys(template.toJSON().Outputs)).not.toContain(EGRESS_IPS_OUTPUT);
    expect(stack.egress).toBeUndefined();
  });

  it('tells the egress-ips function that there are no static addresses', () => {
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack, stack.functionNamed('get-egress-ips').fn)] as Resource;
    expect(fn.Properties.Environment.Variables.EGRESS_MODE).toBe('none');
    expect(fn.Properties.Environment.Variables.EGRESS_IPS).toBeUndefined();
  });
});

const staticEgress = { 1: synth({ context: { egress: 'static', egressAzCount: 1 } }), 3: synth({ context: { egress: 'static', egressAzCount: 3 } }) };

describe.each([1, 3] as const)('egress: static over %i availability zone(s)', (count) => {
  const { stack, template } = staticEgress[count];
  const resources = (type: string) => template.findResources(type) as Record<string, Resource>;
  const eipIds = () => Object.keys(resources('AWS::EC2::EIP'));
  const fnOf = (name: string) => resources('AWS::Lambda::Function')[logicalId(stack, stack.functionNamed(name).fn)]!;

  it(`creates ${count} Elastic IP(s), each held by its own NAT gateway in its own public subnet`, () => {
    expect(eipIds()).toHaveLength(count);
    for (const eip of Object.values(resources('AWS::EC2::EIP'))) expect(eip.Properties.Domain).toBe('vpc');
    const nats = Object.values(resources('AWS::EC2::NatGateway'));
    expect(nats).toHaveLength(count);
    const held = nats.map((n) => n.Properties.AllocationId['Fn::GetAtt']);
    expect(held.map(([id, attribute]: [string, string]) => attribute)).toEqual(Array(count).fill('AllocationId'));
    expect(new Set(held.map(([id]: [string]) => id))).toEqual(new Set(eipIds()));
    expect(new Set(nats.map((n) => JSON.stringify(n.Properties.SubnetId))).size).toBe(count);
    expect(Object.keys(resources('AWS::EC2::VPC'))).toHaveLength(1);
    // One public and one private subnet per zone.
    expect(Object.keys(resources('AWS::EC2::Subnet'))).toHaveLength(2 * count);
  });

  it('runs both delivery functions, and no other, in the private subnets with an outbound-only security group', () => {
    const privateSubnets = stack.egress!.vpc.privateSubnets.map((s) => logicalId(stack, s as never));
    expect(privateSubnets).toHaveLength(count);
    for (const [id, fn] of Object.entries(resources('AWS::Lambda::Function'))) {
      const name = stack.functions.find((f) => logicalId(stack, f.fn) === id)?.name;
      if (!DELIVERY.includes(name!)) {
        expect([name, fn.Properties.VpcConfig]).toEqual([name, undefined]);
        continue;
      }
      const config = fn.Properties.VpcConfig;
      expect(config.SubnetIds.map((s: { Ref: string }) => s.Ref).sort()).toEqual([...privateSubnets].sort());
      expect(config.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [logicalId(stack, stack.egress!.securityGroup), 'GroupId'] }]);
    }
    const group = resources('AWS::EC2::SecurityGroup')[logicalId(stack, stack.egress!.securityGroup)]!;
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    expect(group.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: '-1' })]);
  });

  it('lets the delivery roles attach to the VPC (the only wildcard resource of any role), and no other role', () => {
    for (const fn of stack.functions) {
      const ec2 = roleStatements(template, stack, fn.name).filter((s) => actionsOf(s).some((a) => a.startsWith('ec2:')));
      if (DELIVERY.includes(fn.name)) {
        expect(ec2).toEqual([expect.objectContaining({ Resource: '*', Action: expect.arrayContaining(['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface']) })]);
      } else {
        expect([fn.name, ec2]).toEqual([fn.name, []]);
      }
      const wildcards = roleStatements(template, stack, fn.name).filter((s) => JSON.stringify(s.Resource) === '"*"' && !actionsOf(s).every((a) => a.startsWith('ec2:')));
      expect([fn.name, wildcards]).toEqual([fn.name, []]);
    }
  });

  it('outputs the addresses and gives them to the egress-ips function', () => {
    const addresses = eipIds().map((id) => ({ 'Fn::GetAtt': [id, 'PublicIp'] }));
    // One address needs no join.
    const joined = count === 1 ? addresses[0] : { 'Fn::Join': [',', addresses] };
    expect(template.toJSON().Outputs[EGRESS_IPS_OUTPUT].Value).toEqual(joined);
    expect(fnOf('get-egress-ips').Properties.Environment.Variables).toMatchObject({ EGRESS_MODE: 'static', EGRESS_IPS: joined });
  });

  it("reaches DynamoDB through a gateway endpoint on every subnet's route table, not the NAT gateways", () => {
    const endpoints = Object.values(resources('AWS::EC2::VPCEndpoint'));
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0]!.Properties).toMatchObject({ VpcEndpointType: 'Gateway' });
    expect(JSON.stringify(endpoints[0]!.Properties.ServiceName)).toContain('.dynamodb');
    expect(endpoints[0]!.Properties.RouteTableIds).toHaveLength(2 * count);
  });

  it('logs the VPC\'s traffic (flow logs) to a log group with the stage retention', () => {
    const flowLogs = Object.values(resources('AWS::EC2::FlowLog'));
    expect(flowLogs).toHaveLength(1);
    expect(flowLogs[0]!.Properties).toMatchObject({ ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    expect(resources('AWS::Logs::LogGroup')[logicalId(stack, stack.egress!.flowLogs)]!.Properties.RetentionInDays).toBe(30);
  });
});

describe('egress: static on a sandbox', () => {
  // The settings the every-option stage (live, customer-managed key) does not have: AWS owned keys
  // (an unencrypted flow-log group), resources destroyed with the stack, one zone.
  it('passes cdk-nag over one availability zone', () => {
    expect(nagFindings(staticEgress[1].app)).toEqual([]);
  });
});
