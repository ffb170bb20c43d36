/** The name and version this integration gives the runner in hello. */
export const INTEGRATION = '@memtally/vitest';
export const INTEGRATION_VERSION = '0.1.0';
