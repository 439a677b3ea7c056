/** A deliberate bug planted in a copy of the reference target: a search-and-replace patch on its source. */
export interface FaultEdit {
  /** Path relative to the target's folder (fixtures/reference-api/). */
  file: string;
  /** Exact text that must occur exactly once in the file. */
  find: string;
  replace: string;
}

export type FaultArea = 'contracts' | 'lifecycle' | 'properties' | 'authz' | 'logs';

export interface Fault {
  id: string;
  area: FaultArea;
  /** One line: the bug as a Casera developer could write it. */
  description: string;
  /**
   * The contract rules the fault breaks (ids of fixtures/contract-rules.yaml). The runner first
   * runs only the tests that prove them (tier 1), and the rest of the suites only if it survives.
   */
  rules: string[];
  edits: FaultEdit[];
  /** Vitest projects of the full run (tier 2; default: every suite). */
  projects?: string[];
  /** Part of the fast subset CI runs. */
  ci?: boolean;
  /**
   * Environment for the faulty target AND the suites (they read the same names), e.g. a short
   * CASERA_SHARE_CODE_TTL_SECONDS so that an expiry bug is observable within a test run.
   */
  env?: Record<string, string>;
}

/** A fault for an external target (a real API): shell commands instead of edits. */
export interface ExternalFault {
  id: string;
  description: string;
  /** The contract rules it breaks: the tests proving them run first (as for the catalog). */
  rules?: string[];
  apply: string;
  revert: string;
  projects?: string[];
}

export interface ExternalManifest {
  target: {
    url: string;
    spec: string;
    restart: string;
    health: string;
    logCmd?: string;
    /** Seconds to wait for the health URL after a restart (default 60). */
    healthTimeoutSeconds?: number;
  };
  faults: ExternalFault[];
}

export const SUITE_PROJECTS = ['contracts', 'lifecycle', 'properties', 'authz'];
