/** Reads the provider kinds share. */
import { NotFoundError } from "../client";
import { acpClient } from "./settings";

/** Whether the thread exists: false on a 404, any other failure thrown. */
export async function threadExists(threadId: string): Promise<boolean> {
  try {
    await acpClient().threads.retrieve(threadId);
    return true;
  } catch (err) {
    if (NotFoundError.isInstance(err)) return false;
    throw err;
  }
}
