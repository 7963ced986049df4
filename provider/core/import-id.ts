/** The id a kind whose object the API finds only under its parent is imported with. */

/**
 * `<parentId>/<childId>` split in two, for a read with no recorded state (an import): the
 * parent's id and the object's. `resource` names the kind ("a TaskThread"), `form` the id's form
 * (`<taskId>/<threadId>`), `give` what to give and `example` an id of that form.
 */
export function splitImportId(
  id: string,
  what: { resource: string; form: string; give: string; example: string },
): [parentId: string, childId: string] {
  const parts = id.split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new Error(
      `importing ${what.resource}: the id "${id}" is not ${what.form}; give ${what.give}, e.g. ${what.example}`,
    );
  }
  return [parts[0], parts[1]];
}
