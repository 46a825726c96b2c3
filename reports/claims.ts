// A claim of a system's designers, measured (declared by a scenario, run by the harness).
export interface Claim {
  readonly claim: string;
  readonly measured: string;
  readonly verdict: 'PASS' | 'FAIL' | 'NOT MEASURED';
  readonly how: string;
}
