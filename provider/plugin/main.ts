/**
 * The entry of the `acp` provider plugin, which `pulumi-resource-acp` runs with node: serves
 * {@link acpProvider} with `@pulumi/pulumi/provider`'s `main()`.
 *
 * That server answers Configure without passing the provider's configuration on (3.270), so the
 * plugin hooks the gRPC service's `configure` to hand the config (`acp:baseUrl`, the secret
 * `acp:token`, ... from the stack or an explicit `pulumi:providers:acp`) to the core, the same
 * way the dynamic resources do, before the server answers. It hooks `diff` too, to hand the
 * engine the core's detailed diff (see detailed-diff.ts).
 */
import * as path from "node:path";
import { main } from "@pulumi/pulumi/provider";
import { configureProvider, type ConfigLookup } from "../core";
import { installEngineProgress } from "../doors/engine-log";
import { withDetailedDiff } from "./detailed-diff";
import { acpProvider } from "./provider";

/** The marker of a secret value in the engine's structs. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

interface ConfigureRequest {
  getArgs?(): { toJavaScript(): Record<string, unknown> } | undefined;
  getVariablesMap?(): { get(key: string): string | undefined };
}

function unwrapSecret(value: unknown): unknown {
  if (value !== null && typeof value === "object" && SECRET_SIG in value) {
    return (value as { value?: unknown }).value;
  }
  return value;
}

/**
 * The provider config of a Configure request: its typed args (`baseUrl`), else its variables
 * (`acp:baseUrl`, or the older `acp:config:baseUrl`).
 */
export function configOfRequest(req: ConfigureRequest): ConfigLookup {
  const args = req.getArgs?.()?.toJavaScript() ?? {};
  const variables = req.getVariablesMap?.();
  return (key) => {
    const name = key.slice(key.indexOf(":") + 1);
    const value = unwrapSecret(args[name]);
    if (value !== undefined && value !== null) return value;
    return variables?.get(key) ?? variables?.get(`acp:config:${name}`);
  };
}

type Handler = (call: { request: ConfigureRequest }, callback: unknown) => unknown;

/**
 * Makes every Configure call reach the core first, and every Diff response carry the detailed
 * diff (see the module's comment).
 */
function hookConfigure(): void {
  const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  // The gRPC library the SDK's server is built on, not a second copy.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
  const addService = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function (service: object, impl: Record<string, Handler>) {
    if ("configure" in service && typeof impl.configure === "function") {
      const configure = impl.configure;
      impl.configure = function (this: unknown, call, callback) {
        configureProvider(configOfRequest(call.request));
        return configure.call(this, call, callback);
      };
    }
    if ("diff" in service && typeof impl.diff === "function") {
      impl.diff = withDetailedDiff(impl.diff as never) as Handler;
    }
    return addService.call(this, service, impl);
  };
}

if (require.main === module) {
  hookConfigure();
  installEngineProgress();
  main(acpProvider, process.argv.slice(2)).catch((err: Error) => {
    process.stderr.write(`pulumi-resource-acp: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
