import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";

/**
 * The emulator's data file on disk: a JSON snapshot (`FILE`, rewritten whole only when
 * compacted) and an append-only journal beside it (`FILE.journal`). Persisting a change costs
 * the size of the change, not the size of the store.
 *
 * The journal's first line is a header naming the snapshot generation it extends; every later
 * line is the JSON array of the changes of one flush, written with one synchronous write before
 * the emulator answers. A process killed at any point therefore loses nothing it answered: the
 * OS holds what `write` returned, and a line torn by the kill belongs to a request that was
 * never answered, so it is dropped whole on the next open.
 *
 * Compaction writes a new snapshot (temp file, fsync, rename) with the next generation, then
 * removes the journal. If the process dies between the two, the journal left behind names the
 * previous generation and is ignored: everything in it is already in the snapshot.
 */
export interface JournalFile<Data, Change> {
  /** The snapshot, or undefined when there is none yet. */
  readonly snapshot: Data | undefined;
  /** The changes journaled after the snapshot, in order. */
  readonly changes: Change[];
  /** Bytes of the snapshot as last read or written (0 without one). */
  readonly snapshotBytes: number;
  /** Bytes of the journal on disk, header included (0 without one). */
  readonly journalBytes: number;
  /** Appends the changes of one flush as one line, synchronously. */
  append(changes: Change[]): void;
  /** Writes `data` as the new snapshot and starts an empty journal. */
  compact(data: Data): void;
  /** Closes the journal's file descriptor (the next append reopens it). */
  close(): void;
}

/** What a snapshot must carry for the journal to know which one it extends. */
export interface GenerationTagged {
  /** The snapshot's generation; absent (0) in files written before the journal existed. */
  generation?: number;
}

/** The journal's first line. */
interface JournalHeader {
  journal: 1;
  generation: number;
}

/** The journal of `dataFile`: its name beside it. */
export function journalPath(dataFile: string): string {
  return `${dataFile}.journal`;
}

/**
 * Opens the snapshot and journal of `dataFile`, replaying nothing itself: the caller applies
 * `changes` to `snapshot`. A torn last journal line is dropped (and cut from the file); a
 * damaged line before the last one, or an unreadable snapshot, is an error naming the file.
 */
export function openJournalFile<Data extends GenerationTagged, Change>(
  dataFile: string,
  parseSnapshot: (json: unknown) => Data,
): JournalFile<Data, Change> {
  const journal = journalPath(dataFile);
  let snapshot: Data | undefined;
  let snapshotBytes = 0;
  if (fs.existsSync(dataFile)) {
    const text = fs.readFileSync(dataFile, "utf8");
    snapshotBytes = Buffer.byteLength(text);
    try {
      snapshot = parseSnapshot(JSON.parse(text));
    } catch (error) {
      // A damaged file is an error the user must see, not a silently empty store.
      throw new Error(`${dataFile}: ${(error as Error).message}`);
    }
  }
  let generation = snapshot?.generation ?? 0;
  const changes: Change[] = [];
  let journalBytes = 0;
  if (fs.existsSync(journal)) {
    const replayed = readJournal<Change>(journal, generation);
    if (replayed) {
      changes.push(...replayed.changes);
      journalBytes = replayed.validBytes;
      if (replayed.validBytes < replayed.totalBytes) fs.truncateSync(journal, replayed.validBytes);
    } else {
      // A journal of another generation (or only a torn header): already in the snapshot.
      fs.rmSync(journal, { force: true });
    }
  }
  let fd: number | undefined;
  // Whether the next append starts a new journal (truncating whatever file is there).
  let fresh = journalBytes === 0;

  return {
    snapshot,
    changes,
    get snapshotBytes() {
      return snapshotBytes;
    },
    get journalBytes() {
      return journalBytes;
    },
    append(batch) {
      if (batch.length === 0) return;
      const header: JournalHeader = { journal: 1, generation };
      const text = `${fresh ? `${JSON.stringify(header)}\n` : ""}${JSON.stringify(batch)}\n`;
      try {
        fd ??= fs.openSync(journal, fresh ? "w" : "a");
        writeAll(fd, Buffer.from(text));
      } catch (error) {
        // The file may now end in part of this line: the owner compacts before appending again.
        closeFd();
        throw error;
      }
      fresh = false;
      journalBytes += Buffer.byteLength(text);
    },
    compact(data) {
      const next = generation + 1;
      const text = JSON.stringify({ ...data, generation: next });
      writeAtomic(dataFile, text);
      generation = next;
      snapshotBytes = Buffer.byteLength(text);
      closeFd();
      fresh = true;
      journalBytes = 0;
      // If this fails the stale journal names the previous generation: ignored on open, and
      // truncated by the next append (fresh).
      fs.rmSync(journal, { force: true });
    },
    close: closeFd,
  };

  function closeFd(): void {
    if (fd === undefined) return;
    const open = fd;
    fd = undefined;
    fs.closeSync(open);
  }
}

/**
 * The changes of a journal that extends `generation`, and how many of its bytes hold complete
 * lines; undefined when the journal belongs to another generation or has no complete header.
 */
function readJournal<Change>(
  file: string,
  generation: number,
): { changes: Change[]; validBytes: number; totalBytes: number } | undefined {
  const text = fs.readFileSync(file, "utf8");
  const totalBytes = Buffer.byteLength(text);
  const lines = text.split("\n");
  // The text after the last newline is a line the process did not finish writing.
  lines.pop();
  if (lines.length === 0) return undefined;
  const header = parseLine(lines[0]) as Partial<JournalHeader> | undefined;
  if (header?.journal !== 1 || typeof header.generation !== "number") {
    throw new Error(`${file}: not an emulator journal (line 1); move it away to open the store`);
  }
  if (header.generation !== generation) return undefined;
  const changes: Change[] = [];
  let validBytes = Buffer.byteLength(lines[0]) + 1;
  for (let i = 1; i < lines.length; i++) {
    const batch = parseLine(lines[i]);
    if (!Array.isArray(batch)) {
      if (i === lines.length - 1) break; // torn last line: its request was never answered
      throw new Error(
        `${file}: line ${i + 1} is damaged; the store cannot be opened without losing data`,
      );
    }
    changes.push(...(batch as Change[]));
    validBytes += Buffer.byteLength(lines[i]) + 1;
  }
  return { changes, validBytes, totalBytes };
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

function writeAll(fd: number, buffer: Buffer): void {
  let offset = 0;
  while (offset < buffer.length) offset += fs.writeSync(fd, buffer, offset);
}

/**
 * Writes a temp file beside `file`, flushes it to disk and renames it over `file`: readers never
 * see half a file, and the journal removed after it never outlives the data it held.
 */
export function writeAtomic(file: string, text: string): void {
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  const fd = fs.openSync(tmp, "w");
  try {
    writeAll(fd, Buffer.from(text));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
