/** Options for `start()`; each maps to a flag of the binary. */
export interface StartOptions {
  /** Built-in scenario names or scenario files (`--scenario`, repeatable). */
  scenario?: string | string[];
  /** A fixture directory or an exported state file (`--fixtures`). */
  fixtures?: string;
  /** Seed for generated ids and fake data (`--seed`). */
  seed?: number | bigint | string;
  /** Credential checking (`--auth`). */
  auth?: 'lenient' | 'strict' | 'off';
  /** Freeze the server clock at this time (`--clock`, RFC 3339). */
  clock?: string | Date;
  /** `--faithful`, for binaries that have it. */
  faithful?: boolean;
  /** Any other flags, passed as they are. */
  extraArgs?: string[];
  /** The binary to run instead of `binaryPath()`. */
  binary?: string;
  /** How long to wait for the listening line, in milliseconds (default 30000). */
  startupTimeout?: number;
}

/** Filters of the request journal (`GET /__admin/requests`). */
export interface RequestFilter {
  method?: string;
  path?: string;
  /** A route name from the route table, e.g. `agents.get`. */
  route?: string;
  status?: number;
  namespace?: string;
  /** At most this many entries (the newest). */
  limit?: number;
}

/** One journaled request. */
export interface JournalEntry {
  id: number;
  at: string;
  namespace: string;
  method: string;
  path: string;
  query: string | null;
  route: string | null;
  headers: [string, string][];
  body: unknown;
  body_size: number;
  status: number;
  /** The scenario rule that answered, if any. */
  rule: string | null;
}

/** The server clock. */
export interface Clock {
  now: string;
  unix: number;
  unix_ms: number;
  frozen: boolean;
}

/** A running mock. */
export interface ProdgyMock {
  /** Base URL, e.g. `http://127.0.0.1:41234` (the API is under `/api`). */
  readonly url: string;
  /** An active token of the default product. */
  readonly token: string;
  /** The process id. */
  readonly pid: number | undefined;
  /** `X-API-Token`, plus `X-Mock-Namespace` (and that namespace's scenario) when given. */
  headers(namespace?: string): Record<string, string>;
  /** The request journal, newest first. */
  requests(filter?: RequestFilter): Promise<JournalEntry[]>;
  /** How many journaled requests pass the filter. */
  count(filter?: Omit<RequestFilter, 'limit'>): Promise<number>;
  /** Puts one namespace (or everything) back to the seed. */
  reset(namespace?: string): Promise<void>;
  /** Moves the server clock forward (for every namespace). */
  advance(seconds: number): Promise<Clock>;
  /** Activates scenarios for the whole server, or for requests sent with `headers(namespace)`. */
  useScenario(name: string | string[], namespace?: string): Promise<void>;
  /** Stops the mock; resolves to its exit code (0 on a clean stop). */
  stop(): Promise<number | string | null>;
}

/** Starts a mock on 127.0.0.1 and a free port; resolves once it listens. */
export function start(options?: StartOptions): Promise<ProdgyMock>;
/** The binary `start()` runs: `PRODGY_MOCK_BIN`, else the platform package's. */
export function binaryPath(): string;
/** The npm package holding the binary for a platform, e.g. `@prodgy-mock/linux-x64`. */
export function platformPackage(platform?: string, arch?: string): string;
/** An active token of the default product of the mock at `url`. */
export function defaultToken(url: string): Promise<string>;
/** The built-in fixtures' token of the default product. */
export const DEFAULT_TOKEN: string;
/** The environment variable naming a binary to run instead of the platform package's. */
export const BINARY_ENV: string;
