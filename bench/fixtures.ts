// What several scenarios of `npm run bench` set up alike: a FerretDB with the rules and a directory
// of numbered dealers, and a real SMTP sink that hands each message's head to the scenario.
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { connectMongo } from '@complaints/runtime';
import { createModels, saveDirectory, seedRules, type Models } from '@complaints/activities';
import { type ManagedProcess, freePort, startFerret } from '../scripts/lib/stack';

export const BENCH_REGIONS = ['east', 'north', 'south', 'west'];

/**
 * A FerretDB of its own under `dir` (`<name>-ferretdb`), with the shipped rules and `dealers`
 * dealers D0000… spread over the four regions, all mailing one bench mailbox.
 */
export async function benchDatabase(dir: string, name: string, dealers: number): Promise<{ ferret: ManagedProcess; mongo: Awaited<ReturnType<typeof connectMongo>>; models: Models; codes: string[] }> {
  const port = await freePort();
  const ferret = await startFerret({ port, dataDir: path.join(dir, `${name}-ferretdb`), logFile: path.join(dir, `${name}-ferretdb.log`) });
  const mongo = await connectMongo({ MONGO_URL: `mongodb://127.0.0.1:${port}/complaints` });
  const models = createModels(mongo);
  await Promise.all(Object.values(models).map((model) => model.init()));
  await seedRules(models);
  const codes = Array.from({ length: dealers }, (_, i) => `D${String(i).padStart(4, '0')}`);
  const mailbox = [{ email: 'bench@dealers.test', language: 'zh' as const }];
  await saveDirectory(models, {
    regions: BENCH_REGIONS.map((code) => ({ code, name: code, managers: mailbox })),
    dealers: codes.map((code, i) => ({ code, name: `服务商 ${code}`, region: BENCH_REGIONS[i % BENCH_REGIONS.length]!, contacts: mailbox, serviceStatus: 'active' as const })),
    roles: { coordinator: mailbox, coordinator_head: mailbox, call_center: mailbox, hq: mailbox },
  });
  return { ferret, mongo, models, codes };
}

/**
 * A real SMTP server on loopback that hands each message's head (its first 8 KB, headers unfolded
 * by the caller where it needs) and the time it had the whole message (ms) to `onMessage`.
 */
export async function smtpSink(port: number, onMessage: (head: Buffer, at: number) => void): Promise<{ close: () => Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        if (size < 8192) chunks.push(chunk);
        size += chunk.length;
      });
      stream.on('end', () => {
        onMessage(Buffer.concat(chunks).subarray(0, 8192), Date.now());
        callback();
      });
    },
  });
  server.on('error', () => undefined); // a sender's dropped connection, not the sink's failure
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
