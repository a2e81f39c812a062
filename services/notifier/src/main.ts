import { bootstrap, main, serve } from '@complaints/runtime';
import { createApp } from './app';
import { createTransport } from './smtp';
import { createNotifierWorker } from './worker';

main('notifier', async () => {
  const context = await bootstrap('notifier');
  const { config, logger, mongo, temporal } = context;
  const transport = createTransport(config);
  const worker = await createNotifierWorker({ config, connection: temporal.workerConnection, mongo, transport, logger });
  await serve(context, createApp({ mongo, temporal: temporal.client, logger }), config.NOTIFIER_PORT, worker, () => transport.close());
});
