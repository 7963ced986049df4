/**
 * The package version sent in the User-Agent (`pulumi-acp/<version>`). Kept as a constant
 * rather than read from package.json so the compiled client has no path-dependent require;
 * test/client/config.test.ts checks that it matches package.json.
 */
export const VERSION = "0.1.0";
