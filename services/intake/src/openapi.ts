import { OpenAPIRegistry, OpenApiGeneratorV3, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import express, { type Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';
import { ACTION_NAMES, ACTION_ROLES, actionSchemas, approveClaimSchema, calendarYearSchema, claimFieldsSchema, directorySchema, EVIDENCE_ROLES, policySchema, rejectClaimSchema } from '@complaints/shared';
import {
  attachmentSchema,
  complaintDetailSchema,
  complaintListSchema,
  createdSchema,
  dealersSchema,
  errorSchema,
  idempotencyKeySchema,
  listQuerySchema,
  newComplaintSchema,
  numberParamSchema,
  stateSchema,
} from './schemas';
import { hotlineCallSchema, internetComplaintSchema } from './integrations';
import { ACCEPTED_TYPES, ATTACHMENT_LIMITS } from './attachments';
import { EVIDENCE_FIELD, evidenceFieldsSchema } from './evidence';
import { CLAIM_DOCUMENTS_FIELD, claimIdParamSchema, claimListSchema, claimQuerySchema, claimSchema } from './claims';
import { issuedTokenAnswerSchema, issuedTokenListSchema, issuedTokenQuerySchema, revokedTokenListSchema, revokedTokenSchema, revokeTokenSchema, tokenRequestSchema } from './tokens';
import { newUserAnswerSchema, newUserSchema, resetAnswerSchema, userChangeSchema, userListQuerySchema, userListSchema, userSchema } from './users';
import { erasureSchema, holdReleasedSchema, legalHoldListSchema, legalHoldSchema, privacyAuditSchema, privacyReasonSchema } from './privacy';

// The OpenAPI 3 document of the intake API, generated from the same zod schemas that validate the
// requests (SPEC §8: "document it in the OpenAPI file"). Served at /openapi.json, browsable at /docs.

const json = (schema: z.ZodType, description: string): ResponseConfig => ({ description, content: { 'application/json': { schema } } });
const failure = (description: string) => json(errorSchema, description);

const commonErrors = {
  400: failure('invalid input: `details` names each field at fault'),
  401: failure('no token, or an invalid or expired one'),
  403: failure('the token’s role may not do this'),
  503: { ...failure('the database or Temporal does not answer right now: nothing was recorded; repeat after `Retry-After` seconds (with the same `Idempotency-Key`)'), headers: z.object({ 'retry-after': z.string().meta({ description: 'seconds to wait', example: '5' }) }) },
};

export function buildOpenApiDocument(serverUrl: string) {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'HS256 with AUTH_SECRET; claims sub, role (coordinator, call_center, dealer, regional_manager, hq, hotline), dealerCode / region; ' +
      '`exp` required and at most 90 days after `iat` (hotline 366); `aud` must name intake (a list is allowed); a `jti`, refused once revoked',
  });
  const secured = [{ [bearer.name]: [] }];

  registry.registerPath({
    method: 'get',
    path: '/health',
    summary: 'Health: 200 once Temporal and the database answer',
    responses: { 200: json(z.object({ status: z.string() }).loose(), 'healthy'), 503: json(z.object({ status: z.string() }).loose(), 'a dependency does not answer') },
  });

  registry.registerPath({
    method: 'post',
    path: '/api/complaints',
    summary: 'A new complaint (web form or staff)',
    description:
      'Without a token the caller is the public web form: the channel must be `web_form`, the complaint is received at the time of arrival and starts minor, ' +
      'and a body that sets a staff-only field (`receivedAt`, `severity`, `source`, `url`, `postedAt`) answers 400 naming it. Anonymous submissions, ' +
      'and any request whose token does not verify, are rate-limited per address. ' +
      'Staff (coordinator, call center) record any channel, e.g. email, walk-in and written complaints, and may give a past `receivedAt` within the window of the policy in force ' +
      '(`intake.receivedAtWindowDays` back, never in the future); who recorded it is kept in the history. ' +
      'A `dealerCode` the directory knows routes the complaint to that dealer at once; an anonymous caller naming a dealer delisted from the network (撤站) gets 400 naming `dealerCode`, ' +
      'while staff and integrations record such a complaint unrouted, for the coordinator to dispatch. ' +
      'With `customer.email`, the customer is told of receipt and closure by email in `language` (Chinese unless given). ' +
      'With an `Idempotency-Key`, a repeat by the same staff caller answers 200 with the same number, however much later; an anonymous caller’s key counts only ' +
      'when the server issued it (`POST /api/form-tokens`), otherwise it is ignored. An internet complaint (`channel: internet` with `url`) is one complaint per post URL on every route. ' +
      'When Temporal does not answer, the complaint is still stored and numbered (`workflowStarted: false`); its workflow starts as soon as Temporal answers.',
    security: [{}, ...secured],
    request: {
      headers: z.object({ 'idempotency-key': idempotencyKeySchema }),
      body: { required: true, content: { 'application/json': { schema: newComplaintSchema } } },
    },
    responses: {
      201: json(createdSchema, 'recorded: the complaint’s number and workflow'),
      200: json(createdSchema, 'a repeat of an earlier Idempotency-Key: the same complaint'),
      ...commonErrors,
      413: failure('the body is larger than 100 kB'),
      429: failure('too many anonymous submissions from this address'),
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/api/form-tokens',
    summary: 'A key for one anonymous submission',
    description: 'Sent as `Idempotency-Key` with an anonymous `POST /api/complaints`, it makes a repeat after a lost answer the same complaint. Rate-limited like anonymous submissions.',
    responses: { 201: json(z.object({ token: z.string() }).meta({ id: 'FormToken' }), 'a key this server issued'), 429: failure('too many anonymous requests from this address') },
  });

  registry.registerPath({
    method: 'get',
    path: '/api/complaints',
    summary: 'Complaints, filtered, sorted and paged (newest first unless `sort` says otherwise)',
    description:
      'A dealer sees its own work orders, a regional manager its region; a filter outside that finds nothing. `followUp=true` (the call center only, 403 for others) adds the customer to call and, awaiting follow-up, when the call is due and the unreachable attempts so far.',
    security: secured,
    request: { query: listQuerySchema },
    responses: { 200: json(complaintListSchema, 'one page of complaints'), ...commonErrors },
  });

  registry.registerPath({
    method: 'get',
    path: '/api/complaints/counts',
    summary: 'How many complaints the caller sees, grouped by status, lateness, severity, escalation and kind',
    description: 'One read for the console’s queue counts: each queue is the sum of the groups its filter matches. `open` says whether the status is open. Scoped as the list is.',
    security: secured,
    responses: {
      200: json(
        z.object({ groups: z.array(z.object({ status: z.string(), open: z.boolean(), overdue: z.boolean(), severity: z.string(), escalated: z.boolean(), kind: z.string(), count: z.number().int() })) }).meta({ id: 'ComplaintCounts' }),
        'the groups',
      ),
      ...commonErrors,
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/api/complaints/{number}',
    summary: 'One complaint with its history',
    description:
      'Another dealer’s or region’s complaint answers 404, like a number that does not exist. The customer’s personal data is shown to the coordinator, the call center and the dealer, ' +
      'and so are its files (`attachments`: the customer’s own and those added after intake, with `uploadedBy`); a regional manager or headquarters gets an empty list.',
    security: secured,
    request: { params: numberParamSchema },
    responses: { 200: json(complaintDetailSchema, 'the complaint'), 401: commonErrors[401], 403: commonErrors[403], 404: failure('no such complaint, or not yours') },
  });

  registry.registerPath({
    method: 'get',
    path: '/api/complaints/{number}/attachments/{id}',
    summary: 'An attachment of a complaint (photo or document)',
    description: 'Served to the coordinator, the call center and the owning dealer only; any other role gets 404, as for a file that does not exist.',
    security: secured,
    request: { params: numberParamSchema.extend({ id: z.string().meta({ example: '1' }) }) },
    responses: {
      // The file's own type, read from its first bytes at upload: only these are accepted.
      200: { description: 'the file', content: Object.fromEntries(ACCEPTED_TYPES.map((type) => [type, { schema: z.string().meta({ format: 'binary' }) }])) },
      401: commonErrors[401],
      403: commonErrors[403],
      404: failure('no such complaint or attachment, or not yours'),
      503: commonErrors[503],
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/api/complaints/{number}/attachments',
    summary: 'Add files to an open complaint (photos, reports, invoices)',
    description:
      `Roles: ${EVIDENCE_ROLES.join(', ')}; a dealer on its own work orders only. Multipart, up to ${ATTACHMENT_LIMITS.files} files in \`${EVIDENCE_FIELD}\`, ` +
      `each at most ${ATTACHMENT_LIMITS.fileSize / 1024 / 1024} MB, JPEG, PNG, WebP or PDF by content (as the web form), and an optional \`note\`. The files are stored, then the complaint’s ` +
      'workflow records who added them (`evidence_added` in its history); a refused request keeps none of them. Their ids may be named in a major complaint’s `written-report` (`attachmentIds`). ' +
      'With an `Idempotency-Key`, a repeat of the same files by the same caller is answered as the first was, with `Idempotent-Replayed: true`, and the files are added once.',
    security: secured,
    request: {
      params: numberParamSchema,
      headers: z.object({ 'idempotency-key': idempotencyKeySchema }),
      body: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: z
              .object({ [EVIDENCE_FIELD]: z.array(z.string().meta({ format: 'binary' })).min(1).max(ATTACHMENT_LIMITS.files), note: evidenceFieldsSchema.shape.note })
              .meta({ id: 'NewEvidence' }),
          },
        },
      },
    },
    responses: {
      201: json(stateSchema.extend({ attachments: z.array(attachmentSchema) }).meta({ id: 'EvidenceAdded' }), 'stored and recorded: the complaint’s state after it, and the files with their ids'),
      ...commonErrors,
      404: failure('no such complaint, or another dealer’s'),
      409: failure('the complaint is closed (`message` says why), or a request with the same Idempotency-Key is still running'),
      422: failure('an Idempotency-Key used before with other files or another note'),
      429: failure('too many bytes uploaded from this address within the hour'),
    },
  });

  // SPEC §3.10 特殊索赔.
  const claimFiles = z.array(z.string().meta({ format: 'binary' })).max(ATTACHMENT_LIMITS.files);
  const documentKindsText = z.string().meta({ description: 'the kind of each file of `documents`, in order, separated by commas: vehicle_licence, owner_id, purchase_invoice, agreement, receipts, other' });
  registry.registerPath({
    method: 'post',
    path: '/api/complaints/{number}/claims',
    summary: 'File a special or travel claim on a major complaint (dealer)',
    description:
      'Role: dealer, on its own major complaint, while it is open or within the policy’s `claims.windowDays` after its closure; the amount at most the policy’s `claims.ceilingYuan` for the type. ' +
      'Multipart: `type`, `amount` (yuan), `description`, and the documents in `documents` with their kinds in `documentKinds`. A claim missing a listed document is stored and cannot be approved until the dealer adds it. ' +
      'The same claim posted again is refused (409); with an `Idempotency-Key`, a repeat is answered as the first was.',
    security: secured,
    request: {
      params: numberParamSchema,
      headers: z.object({ 'idempotency-key': idempotencyKeySchema }),
      body: { required: true, content: { 'multipart/form-data': { schema: claimFieldsSchema.omit({ documentKinds: true }).extend({ documentKinds: documentKindsText.optional(), [CLAIM_DOCUMENTS_FIELD]: claimFiles.optional() }).meta({ id: 'NewClaim' }) } } },
    },
    responses: {
      201: json(claimSchema, 'filed: the claim, with the listed documents it still lacks'),
      ...commonErrors,
      404: failure('no such complaint, or another dealer’s'),
      409: failure('not a major complaint, its window has closed, the same claim was filed before, or a request with the same Idempotency-Key is still running'),
      422: failure('an Idempotency-Key used before with another claim'),
      429: failure('too many bytes uploaded from this address within the hour'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/complaints/{number}/claims',
    summary: 'A complaint’s claims (coordinator, the owning dealer)',
    security: secured,
    request: { params: numberParamSchema },
    responses: { 200: json(claimListSchema, 'the claims, oldest first'), ...commonErrors, 404: failure('no such complaint, or another dealer’s') },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/claims',
    summary: 'The claims queue (coordinator: every dealer’s; a dealer: its own), newest first',
    security: secured,
    request: { query: claimQuerySchema },
    responses: { 200: json(claimListSchema, 'the claims'), ...commonErrors },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/claims/{id}/documents',
    summary: 'Add documents to a claim waiting for a decision (the owning dealer)',
    security: secured,
    request: {
      params: claimIdParamSchema,
      headers: z.object({ 'idempotency-key': idempotencyKeySchema }),
      body: { required: true, content: { 'multipart/form-data': { schema: z.object({ documentKinds: documentKindsText, [CLAIM_DOCUMENTS_FIELD]: claimFiles.min(1) }).meta({ id: 'ClaimDocuments' }) } } },
    },
    responses: {
      201: json(claimSchema, 'added: the claim'),
      ...commonErrors,
      404: failure('no such claim, or another dealer’s'),
      409: failure('the claim is decided already, or a request with the same Idempotency-Key is still running'),
      422: failure('an Idempotency-Key used before with other files'),
      429: failure('too many bytes uploaded from this address within the hour'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/claims/{id}/documents/{documentId}',
    summary: 'One claim document (coordinator, the owning dealer): ID and licence copies are seen by no one else',
    security: secured,
    request: { params: claimIdParamSchema.extend({ documentId: z.string() }) },
    responses: { 200: { description: 'the file', content: { 'application/pdf': { schema: z.string().meta({ format: 'binary' }) }, 'image/jpeg': { schema: z.string().meta({ format: 'binary' }) }, 'image/png': { schema: z.string().meta({ format: 'binary' }) }, 'image/webp': { schema: z.string().meta({ format: 'binary' }) } } }, ...commonErrors, 404: failure('no such claim or document, or another dealer’s') },
  });
  for (const [decision, schema, what] of [['approve', approveClaimSchema, 'with an amount at most the one claimed, only when every listed document is in'], ['reject', rejectClaimSchema, 'with a reason']] as const) {
    registry.registerPath({
      method: 'post',
      path: `/api/claims/{id}/${decision}`,
      summary: `${decision === 'approve' ? 'Approve' : 'Reject'} a claim (coordinator), ${what}; the dealer is told by email`,
      security: secured,
      request: { params: claimIdParamSchema, headers: z.object({ 'idempotency-key': idempotencyKeySchema }), body: { required: true, content: { 'application/json': { schema } } } },
      responses: {
        200: json(claimSchema, 'decided: the claim'),
        ...commonErrors,
        404: failure('no such claim'),
        409: failure('the claim is decided already (one decision only), a listed document is missing, or a request with the same Idempotency-Key is still running'),
        422: failure('an Idempotency-Key used before with another body'),
      },
    });
  }

  for (const action of ACTION_NAMES) {
    registry.registerPath({
      method: 'post',
      path: `/api/complaints/{number}/${action}`,
      summary: `Action: ${action}`,
      description:
        `Sent to the complaint’s workflow as a Temporal update. Roles: ${ACTION_ROLES[action].join(', ')}. ` +
        'With an `Idempotency-Key`, a repeat by the same caller (after a timeout or a 503) is answered as the first was, with `Idempotent-Replayed: true`, and the action is taken once.',
      security: secured,
      request: {
        params: numberParamSchema,
        headers: z.object({ 'idempotency-key': idempotencyKeySchema }),
        body: { required: true, content: { 'application/json': { schema: actionSchemas[action] } } },
      },
      responses: {
        200: json(stateSchema, 'done: the complaint’s state after the action'),
        ...commonErrors,
        404: failure('no such complaint, or another dealer’s'),
        409: failure('the complaint’s state does not allow this action (`message` says why), or a request with the same Idempotency-Key is still running'),
        413: failure('the body is larger than 100 kB'),
        422: failure(
          'incomplete for this complaint (e.g. a product-quality reply without its cause), a dealer not in the directory (`unknown_dealer`) or delisted from the network (`inactive_dealer`), ' +
            'a written report naming a file that is not this complaint’s (`unknown_attachment`, naming `attachmentIds.<i>`), or an Idempotency-Key used before with another body',
        ),
      },
    });
  }

  registry.registerPath({
    method: 'post',
    path: '/api/hotline/calls',
    summary: 'A call from the 400 hotline (machine to machine)',
    description: 'Signed: `X-Signature: sha256=<hex HMAC-SHA256 of the raw body with HOTLINE_SECRET>`. The first call of a `callId` answers 201, a repeat 200 with the same number.',
    request: {
      headers: z.object({ 'x-signature': z.string().meta({ example: 'sha256=2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae' }) }),
      body: { required: true, content: { 'application/json': { schema: hotlineCallSchema.meta({ id: 'HotlineCall' }) } } },
    },
    responses: {
      201: json(createdSchema, 'recorded'),
      200: json(createdSchema, 'a repeat of a known callId: the same complaint'),
      400: commonErrors[400],
      401: failure('the signature does not match the body'),
      503: commonErrors[503],
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/api/internet-complaints',
    summary: 'A complaint found on the internet (forum, social media)',
    description: 'One complaint per post URL: a repeat answers 200 with the same number. Its dealer must contact the author within the policy’s internet contact clock (`internetContact.hours`).',
    security: secured,
    request: { body: { required: true, content: { 'application/json': { schema: internetComplaintSchema.meta({ id: 'InternetComplaint' }) } } } },
    responses: { 201: json(createdSchema, 'recorded'), 200: json(createdSchema, 'a known post URL: the same complaint'), ...commonErrors },
  });

  registry.registerPath({
    method: 'get',
    path: '/api/dealers',
    summary: 'The dealer directory',
    security: secured,
    responses: { 200: json(dealersSchema, 'the dealers'), 401: commonErrors[401], 403: commonErrors[403] },
  });

  const directory = directorySchema.meta({ id: 'Directory' });
  registry.registerPath({
    method: 'get',
    path: '/api/directory',
    summary: 'The directory: regions and their managers, dealers and their contacts, the roles’ mailboxes (coordinator)',
    security: secured,
    responses: { 200: json(directory, 'the directory'), 401: commonErrors[401], 403: commonErrors[403] },
  });
  registry.registerPath({
    method: 'put',
    path: '/api/directory',
    summary: 'Load a directory (coordinator): validated as a whole, nothing changed when refused; entries not in it are kept',
    security: secured,
    request: { body: { required: true, content: { 'application/json': { schema: directory } } } },
    responses: { 200: json(z.object({ regions: z.number().int(), dealers: z.number().int() }), 'loaded: how many regions and dealers'), ...commonErrors, 413: failure('larger than 2 MB') },
  });

  // SPEC §4, §8: the working calendars and the policies, operated by the coordinator.
  const calendar = calendarYearSchema.meta({ id: 'CalendarYear' });
  const policy = policySchema.meta({ id: 'Policy' });
  const loaded = z.object({ year: z.number().int(), version: z.string(), loadedBy: z.string(), loadedAt: z.string() });
  const yearParam = z.object({ year: z.string().regex(/^\d{4}$/).meta({ example: '2027' }) });
  const answer = (description: string) => json(z.record(z.string(), z.unknown()), description);
  registry.registerPath({
    method: 'get',
    path: '/api/calendars',
    summary: 'The loaded working calendars, with who loaded them and when, and what the coordinator is told (staff)',
    description: 'A year without a calendar counts weekends only; `warnings` name this year when it is missing, and next year from November 1 until it is loaded.',
    security: secured,
    responses: { 200: json(z.object({ years: z.array(loaded), warnings: z.array(z.object({ code: z.enum(['next_year_missing', 'year_missing']), year: z.number().int(), message: z.string() })) }), 'the calendars'), 401: commonErrors[401], 403: commonErrors[403] },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/calendars/{year}',
    summary: 'Every version of a year’s calendar ever loaded, newest first, with the one in force (staff)',
    security: secured,
    request: { params: yearParam },
    responses: { 200: answer('the versions'), 400: failure('not a year'), 401: commonErrors[401], 403: commonErrors[403], 404: failure('no calendar for that year') },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/calendars/check',
    summary: 'Check a calendar without loading it: its problems by field, or its difference from the version in force (coordinator)',
    security: secured,
    request: { body: { required: true, content: { 'application/json': { schema: calendar } } } },
    responses: { 200: answer('valid, with the difference'), ...commonErrors },
  });
  registry.registerPath({
    method: 'put',
    path: '/api/calendars/{year}',
    summary: 'Load a year’s calendar as the version in force (coordinator)',
    description:
      'Refused whole, naming the field: another year (`year`), overlapping or unsorted holidays, a make-up day on a weekday or on a holiday. The same version again changes nothing (200 `unchanged`); ' +
      'the same version with other days is 409 at `version`. The open complaints’ pending deadlines in that year are counted again with it, never earlier than announced (SPEC §4).',
    security: secured,
    request: { params: yearParam, headers: z.object({ 'idempotency-key': idempotencyKeySchema.optional() }), body: { required: true, content: { 'application/json': { schema: calendar } } } },
    responses: { 201: answer('loaded'), 200: answer('loaded before: unchanged'), ...commonErrors, 409: failure('the version was loaded before with other days'), 422: failure('an Idempotency-Key used before with another body') },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/policies',
    summary: 'Every policy version, the latest effective first, with the one in force (coordinator, HQ)',
    security: secured,
    responses: { 200: answer('the policies'), 401: commonErrors[401], 403: commonErrors[403] },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/policies/check',
    summary: 'Check a policy version without loading it: its problems by field, or what it changes (coordinator)',
    security: secured,
    request: { body: { required: true, content: { 'application/json': { schema: policy } } } },
    responses: { 200: answer('valid, with the changes'), ...commonErrors },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/policies',
    summary: 'Load a new policy version, effective from a moment still to come (coordinator)',
    description: 'A reminder not shorter than its clock, an effective date not in the future: 400 naming the field. Versions are immutable: the same version with other values is 409 at `version`.',
    security: secured,
    request: { headers: z.object({ 'idempotency-key': idempotencyKeySchema.optional() }), body: { required: true, content: { 'application/json': { schema: policy } } } },
    responses: { 201: answer('loaded'), 200: answer('loaded before: unchanged'), ...commonErrors, 409: failure('the version exists with other values'), 422: failure('an Idempotency-Key used before with another body') },
  });

  // SPEC §7: legal hold, erasure on the customer's request, and their audit; the coordinator's alone.
  const privacyBody = { required: true, content: { 'application/json': { schema: privacyReasonSchema.meta({ id: 'PrivacyReason' }) } } };
  const privacyWrite = { params: numberParamSchema, headers: z.object({ 'idempotency-key': idempotencyKeySchema }), body: privacyBody };
  const privacyErrors = { ...commonErrors, 413: failure('the body is larger than 100 kB'), 422: failure('an Idempotency-Key used before with another body') };
  registry.registerPath({
    method: 'put',
    path: '/api/complaints/{number}/hold',
    summary: 'Keep a complaint past its retention (legal hold), with the reason (coordinator)',
    description:
      'A major case, a dispute, a case-library entry: the daily retention run skips the complaint, open or closed, until the hold is released. ' +
      'Holding it again with another reason changes the reason. Audited (who, when, why): `GET /api/complaints/{number}/privacy-audit`.',
    security: secured,
    request: privacyWrite,
    responses: { 200: json(legalHoldSchema, 'held'), ...privacyErrors, 404: failure('no such complaint'), 409: failure('its personal data is erased already, or a request with the same Idempotency-Key is still running') },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/complaints/{number}/hold',
    summary: 'Release a legal hold, with the reason (coordinator)',
    description: 'The next retention run erases the complaint if it is past its retention. Audited (who, when, why).',
    security: secured,
    request: privacyWrite,
    responses: { 200: json(holdReleasedSchema, 'released'), ...privacyErrors, 404: failure('no such complaint, or it is not on hold'), 409: failure('a request with the same Idempotency-Key is still running') },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/tokens/revoked',
    summary: 'Revoke a machine token by its jti (coordinator)',
    description: 'Every service refuses the token from the next request on. Audited with who, when and why. Revoking a revoked token keeps the first record (200, `alreadyRevoked: true`).',
    security: secured,
    request: { headers: z.object({ 'idempotency-key': idempotencyKeySchema }), body: { required: true, content: { 'application/json': { schema: revokeTokenSchema.meta({ id: 'RevokeToken' }) } } } },
    responses: { 201: json(revokedTokenSchema, 'revoked'), 200: json(revokedTokenSchema, 'revoked before'), ...commonErrors, 409: failure('a request with the same Idempotency-Key is still running'), 422: failure('an Idempotency-Key used before with another body') },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/tokens/revoked',
    summary: 'Revoked machine tokens, latest first (coordinator)',
    security: secured,
    responses: { 200: json(revokedTokenListSchema, 'the revocations'), 401: commonErrors[401], 403: commonErrors[403], 503: commonErrors[503] },
  });
  // The coordinator's administration (the console's users and tokens pages): accounts and machine tokens.
  {
    const idempotentWrite = (schema: z.ZodType, id: string) => ({ headers: z.object({ 'idempotency-key': idempotencyKeySchema }), body: { required: true, content: { 'application/json': { schema: schema.meta({ id }) } } } });
    const writeErrors = { ...commonErrors, 409: failure('a username taken, one’s own account, or a request with the same Idempotency-Key still running'), 422: failure('a dealer not in the directory, or an Idempotency-Key used before with another body') };
    const readErrors = { 400: commonErrors[400], 401: commonErrors[401], 403: commonErrors[403], 503: commonErrors[503] };
    const username = z.object({ username: z.string().meta({ description: 'the username' }) });
    const secretNote = 'The answer carries a secret shown this once, kept nowhere in the clear: a repeat with the same Idempotency-Key answers the status alone (`Idempotent-Replayed: true`, empty body).';
    registry.registerPath({ method: 'get', path: '/api/users', summary: 'Staff accounts (coordinator), never a password hash', security: secured, request: { query: userListQuerySchema }, responses: { 200: json(userListSchema, 'a page of users'), ...readErrors } });
    registry.registerPath({ method: 'post', path: '/api/users', summary: 'Add a staff account with a one-time password (a signed-in coordinator; 403 with a machine token)', description: `The user changes the one-time password at the first sign-in. \`signIn: oidc\`: the company's single sign-on, no password. ${secretNote}`, security: secured, request: idempotentWrite(newUserSchema, 'NewUserRequest'), responses: { 201: json(newUserAnswerSchema, 'added'), ...writeErrors } });
    registry.registerPath({ method: 'patch', path: '/api/users/{username}', summary: 'Change a staff account (a signed-in coordinator; 403 with a machine token)', description: 'A new role, dealer or region, or a deactivation, ends the user’s sessions at once; a new display name or language does not. A coordinator cannot change its own role or deactivate itself.', security: secured, request: { params: username, ...idempotentWrite(userChangeSchema, 'UserChangeRequest') }, responses: { 200: json(userSchema, 'the user as changed'), ...writeErrors, 404: failure('no such user') } });
    registry.registerPath({ method: 'post', path: '/api/users/{username}/reset', summary: 'Reset a staff account’s password to a new one-time password (a signed-in coordinator; 403 with a machine token)', description: `Ends the user's sessions. ${secretNote}`, security: secured, request: { params: username, headers: z.object({ 'idempotency-key': idempotencyKeySchema }) }, responses: { 200: json(resetAnswerSchema, 'the new one-time password'), ...writeErrors, 404: failure('no such user') } });
    registry.registerPath({ method: 'post', path: '/api/tokens', summary: 'Issue a machine token (a signed-in coordinator; 403 with a machine token)', description: `The same rules as \`npm run -s cli -- token\`: the role's claims, the services it is for, at most the role's lifetime in days (90; the hotline 366). Its id, subject, role, audience, expiry and issuer are kept for the list, never the token. ${secretNote}`, security: secured, request: idempotentWrite(tokenRequestSchema, 'TokenRequest'), responses: { 201: json(issuedTokenAnswerSchema, 'the token, shown once'), ...writeErrors } });
    registry.registerPath({ method: 'get', path: '/api/tokens', summary: 'Machine tokens issued (coordinator), latest first, each with its revocation', description: 'Tokens issued from the console, and by the CLI when it ran with MONGO_URL. Revoke one with POST /api/tokens/revoked.', security: secured, request: { query: issuedTokenQuerySchema }, responses: { 200: json(issuedTokenListSchema, 'a page of issued tokens'), ...readErrors } });
  }
  registry.registerPath({
    method: 'get',
    path: '/api/legal-holds',
    summary: 'Complaints on legal hold, oldest hold first (coordinator)',
    security: secured,
    responses: { 200: json(legalHoldListSchema, 'the holds, each with its complaint’s state'), 401: commonErrors[401], 403: commonErrors[403], 503: commonErrors[503] },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/complaints/{number}/erase',
    summary: 'Erase a closed complaint’s personal data now, on the customer’s request (coordinator)',
    description:
      'Erases what the retention run would: the customer’s name, phone, email, plate and VIN, the description and request, the post URL, every file, ' +
      'and the free text of the history (replaced by `{ erased: true, at, policyVersion }`); the number, dates, dealer, category, channel, states and KPI facts stay, ' +
      'and so does every statistic. Audited with who, when and why, never what. Erasing an erased complaint changes nothing (`alreadyErased: true`).',
    security: secured,
    request: privacyWrite,
    responses: {
      200: json(erasureSchema, 'erased'),
      ...privacyErrors,
      404: failure('no such complaint'),
      409: failure('the complaint is still open or on legal hold (`message` says which), or a request with the same Idempotency-Key is still running'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/complaints/{number}/privacy-audit',
    summary: 'Who held, released or erased a complaint’s personal data, when and why (coordinator)',
    security: secured,
    request: { params: numberParamSchema },
    responses: { 200: json(privacyAuditSchema, 'the audit, in order'), 401: commonErrors[401], 403: commonErrors[403], 404: failure('no such complaint'), 503: commonErrors[503] },
  });

  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Complaint closed-loop system — intake API',
      version: '1.0.0',
      description: 'Complaints in by every channel, and every action on a complaint (SPEC §8). Errors are always `{ error, message, details[] }`.',
    },
    servers: [{ url: serverUrl }],
  });
}

/** `/openapi.json`, and the same document to browse at `/docs`. */
export function openApiRoutes(serverUrl: string): Router {
  const openapi = buildOpenApiDocument(serverUrl);
  const router = express.Router();
  router.get('/openapi.json', (_req, res) => res.json(openapi));
  router.use('/docs', swaggerUi.serve, swaggerUi.setup(openapi, { customSiteTitle: 'Complaint intake API' }));
  return router;
}
