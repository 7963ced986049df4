/**
 * A stack's tags, where the command keeps its fast-run record (./fast-record.ts). On the
 * command's own file backend they are the CLI's tags file beside the checkpoint,
 * `<dir>/.pulumi/stacks/<project>/<stack>.pulumi-tags` (`{"version":1,"tags":{...}}`, removed when
 * no tag is left: CLI 3.276's DIY format), read and written in this process; on any other
 * backend through the CLI (`pulumi stack tag`). Each CLI call costs a process start, and a fast
 * run makes four and a heartbeat every 10 s.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";

/** The tags of one stack. */
export interface StackTags {
  list(): Promise<Record<string, string>>;
  set(name: string, value: string): Promise<void>;
  remove(name: string): Promise<void>;
}

/** The tags through the CLI, on any backend. */
export function cliTags(stack: Stack): StackTags {
  return {
    list: () => stack.workspace.listTags(stack.name),
    set: (name, value) => stack.workspace.setTag(stack.name, name, value),
    remove: (name) => stack.workspace.removeTag(stack.name, name),
  };
}

/** The version of the tags file this module reads and writes. */
const TAGS_FILE_VERSION = 1;

/** The tags file of a DIY file backend's stack, read and written in this process. */
export function fileTags(file: string): StackTags {
  const read = (): Record<string, string> => {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw err;
    }
    const parsed = JSON.parse(text) as { version?: number; tags?: Record<string, string> | null };
    if (parsed.version !== TAGS_FILE_VERSION) {
      throw new Error(`unsupported stack tags version in ${file}: ${parsed.version}`);
    }
    return parsed.tags ?? {};
  };
  const write = (tags: Record<string, string>): void => {
    // The storage layer's metadata of the CLI's last write (content type, checksum) would no
    // longer describe the file: without it the CLI reads the file as it is.
    fs.rmSync(`${file}.attrs`, { force: true });
    if (Object.keys(tags).length === 0) {
      fs.rmSync(file, { force: true });
      return;
    }
    // Renamed into place: a reader finds the old tags or the new ones, never half a file.
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify({ version: TAGS_FILE_VERSION, tags }));
    fs.renameSync(temp, file);
  };
  return {
    list: async () => read(),
    set: async (name, value) => write({ ...read(), [name]: value }),
    remove: async (name) => {
      const tags = read();
      if (!(name in tags)) return;
      delete tags[name];
      write(tags);
    },
  };
}

/**
 * The stack's tags: in its file when `localBackendDir` (the command's own file backend) holds
 * the stack's folder, otherwise through the CLI.
 */
export function stackTags(
  stack: Stack,
  where: { project: string; localBackendDir?: string },
): StackTags {
  if (where.localBackendDir) {
    const dir = path.join(where.localBackendDir, ".pulumi", "stacks", where.project);
    if (fs.existsSync(dir)) return fileTags(path.join(dir, `${stack.name}.pulumi-tags`));
  }
  return cliTags(stack);
}
