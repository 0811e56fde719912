/**
 * Edits hush makes to a hush.yaml a person owns: through the YAML document, so comments, order and
 * style stay as they were; written atomically with the file's own mode; a symlink is not followed.
 */
import { promises as fs } from 'node:fs'
import { isScalar, isSeq, parseDocument } from 'yaml'
import { HushError, ioError } from '../../lib/errors.js'
import { writeFileAtomic } from '../../lib/fs-safe.js'

/** Add an age recipient to `seal.recipients` (creating the list); false when it is there already. */
export async function addSealRecipient(file: string, recipient: string): Promise<boolean> {
  const info = await fs.lstat(file).catch((err: unknown) => {
    throw ioError('read', file, err)
  })
  if (!info.isFile())
    throw new HushError('HUSH_E_UNSAFE_PATH', `${file} is not a regular file: hush does not edit it`, {
      hint: `add ${recipient} under seal.recipients by hand`,
    })
  const doc = parseDocument(await fs.readFile(file, 'utf8'))
  if (doc.errors.length > 0)
    throw new HushError('HUSH_E_MANIFEST_INVALID', `${file} is not valid YAML: hush does not edit it`, {
      hint: 'hush check shows where; fix it, then run the command again',
    })
  const list = doc.getIn(['seal', 'recipients'], true)
  if (isSeq(list)) {
    if (list.items.some((item) => isScalar(item) && item.value === recipient)) return false
    list.add(doc.createNode(recipient))
  } else if (list === undefined) doc.setIn(['seal', 'recipients'], doc.createNode([recipient]))
  else
    throw new HushError(
      'HUSH_E_MANIFEST_INVALID',
      `seal.recipients in ${file} is not a list: hush does not edit it`,
      {
        hint: `make it a list and add ${recipient}`,
      },
    )
  await writeFileAtomic(file, doc.toString(), { mode: info.mode & 0o777 })
  return true
}
