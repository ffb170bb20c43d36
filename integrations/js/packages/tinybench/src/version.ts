/** The name and version this integration gives the runner in hello. */
export const INTEGRATION = '@memtally/tinybench';
export const INTEGRATION_VERSION = '0.1.0';
