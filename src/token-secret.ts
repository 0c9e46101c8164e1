// The key that signs identity tokens: JWT_SECRET when given, otherwise one generated on first start and
// kept in DATA_DIR (mode 0600) so tokens survive restarts. Several processes starting at once agree on
// one file: the first exclusive create wins and the others read it.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MIN_SECRET_BYTES } from './chat/tokens.js';

const SECRET_FILE = 'jwt-secret';

export async function loadTokenSecret(configured: string | undefined, dataDir: string): Promise<Uint8Array> {
  if (configured !== undefined) return new TextEncoder().encode(configured);
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, SECRET_FILE);
  try {
    await writeFile(path, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = new TextEncoder().encode((await readFile(path, 'utf8')).trim());
  if (secret.byteLength < MIN_SECRET_BYTES) {
    throw new Error(`${path} holds fewer than ${MIN_SECRET_BYTES} bytes; delete it to generate a new secret`);
  }
  return secret;
}
