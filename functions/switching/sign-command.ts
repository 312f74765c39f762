import type { Command } from '../../core/messages/command.js';
import { commandSigningInput, detachedJws } from '../../core/messages/command-signature.js';
import type { CommandSigner } from './ports.js';

/** The command with its detached JWS: the gateway refuses anything unsigned or signed by a key it does not list. */
export async function signCommand(command: Command, signer: CommandSigner): Promise<Command> {
  const { header, input } = commandSigningInput(command, signer.kid);
  return { ...command, signature: detachedJws(header, await signer.sign(input)) };
}
