// Where deliveries are sent from (SPEC §11 static egress): the addresses a partner allowlists,
// as `GET /v1/egress-ips` answers them. The stage option picks the mode; the stack passes the
// Elastic IPs of its NAT gateways; the local runtime sends from loopback.

/** The stage option `egress` (lib/stage-config.ts): `none` (default, no VPC) or `static`. */
export const EGRESS_OPTIONS = ['none', 'static'] as const;
export type EgressOption = (typeof EGRESS_OPTIONS)[number];

/** What a process knows of its egress: the stage's option, or `local` (the local runtime). */
export const EGRESS_MODES = [...EGRESS_OPTIONS, 'local'] as const;
export type EgressMode = (typeof EGRESS_MODES)[number];

export type EgressAddresses = { addresses: string[]; note: string };

export const LOCAL_EGRESS_ADDRESS = '127.0.0.1';

export function egressAddresses(mode: EgressMode, addresses: readonly string[]): EgressAddresses {
  switch (mode) {
    case 'static':
      return {
        addresses: [...addresses],
        note: 'Deliveries are sent from these public IPv4 addresses only (one per availability zone); allowlist all of them.',
      };
    case 'local':
      return {
        addresses: [LOCAL_EGRESS_ADDRESS],
        note: 'Local runtime: deliveries are sent from this machine over loopback; a deployed stack with static egress lists its public addresses here.',
      };
    case 'none':
      return {
        addresses: [],
        note: 'This deployment has no static egress addresses: deliveries come from AWS Lambda\'s shared address ranges, which change. Verify the signatures instead of allowlisting addresses.',
      };
  }
}
