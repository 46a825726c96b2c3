// Bad input from the user (flags, scenario, fault plan): reported as one paragraph,
// no stack trace, exit code 2.
export class UsageError extends Error {}

export const EXIT = { ok: 0, invariantFailed: 1, usage: 2, threshold: 3, internal: 4 } as const;
