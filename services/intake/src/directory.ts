import express, { type Router } from 'express';
import { directorySchema } from '@complaints/shared';
import { listDealers, saveDirectory, type Models } from '@complaints/activities';
import { type Auth, jsonBody, type Logger } from '@complaints/runtime';

/**
 * The directory (SPEC §5: dealers, regions and their managers, the roles' mailboxes) over the API.
 * Staff who route work orders list the dealers. The coordinator reads it whole, or loads a new one
 * whole: a load is validated as a whole first (a dealer of an unknown region, a code listed twice, a
 * bad address: 400 naming the entry) and changes nothing when it is refused; entries not in the
 * load are kept.
 */
export function directoryRoutes(deps: { auth: Auth; models: Models; logger: Logger }): Router {
  const { models } = deps;
  const router = express.Router();
  const coordinator = deps.auth.requireRole(['coordinator']);

  router.get('/api/dealers', deps.auth.requireRole(['coordinator', 'call_center', 'regional_manager', 'hq']), async (_req, res) => {
    // `active: false`: delisted (撤站, seed 002 重大抱怨 §5.1), listed for its history but no longer dispatched to.
    res.json({ dealers: (await listDealers(models)).map(({ code, name, region, active }) => ({ code, name, region, active })) });
  });

  router.get('/api/directory', coordinator, async (_req, res) => {
    const [regions, dealers, roles] = await Promise.all([models.Region.find().sort({ _id: 1 }).lean(), models.Dealer.find().sort({ _id: 1 }).lean(), models.RoleMailbox.find().lean()]);
    const mailboxes = (list: { name?: string | null; email: string; language?: string | null }[] = []) => list.map(({ name, email, language }) => ({ ...(name && { name }), email, language }));
    res.json({
      regions: regions.map((r) => ({ code: r._id, name: r.name, managers: mailboxes(r.managers) })),
      // In the shape PUT takes, every field of it (a star level too), so that reading, editing and saving it back loses nothing.
      dealers: dealers.map((d) => ({ code: d._id, name: d.name, region: d.region, contacts: mailboxes(d.contacts), serviceStatus: d.serviceStatus, ...(typeof d.starLevel === 'number' && { starLevel: d.starLevel }) })),
      roles: Object.fromEntries(roles.map((r) => [r._id, mailboxes(r.mailboxes)])),
    });
  });

  router.put('/api/directory', coordinator, jsonBody('2mb'), async (req, res) => {
    const directory = directorySchema.parse(req.body);
    await saveDirectory(models, directory);
    deps.logger.info({ regions: directory.regions.length, dealers: directory.dealers.length, by: req.principal!.sub }, 'directory loaded');
    res.json({ regions: directory.regions.length, dealers: directory.dealers.length });
  });
  return router;
}
