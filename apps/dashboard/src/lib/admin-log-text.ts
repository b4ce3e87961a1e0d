/**
 * The administrators' log in words: what was done, to what, and what changed (settings before and
 * after), with no raw JSON or ids for a reader (the page keeps the raw record behind a toggle).
 */

/** The mutation's name in words ("createApiKey" -> "created an API key"). */
export const ACTIONS: Record<string, string> = {
  createPerson: 'created a person',
  enrollPerson: 'enrolled a new person',
  updatePerson: 'changed a person',
  deletePerson: 'erased a person',
  mergePeople: 'merged a duplicate into',
  enrollFaces: 'enrolled photos of',
  removeFaceSample: 'removed a face sample of',
  removeAdaptiveSamples: 'removed what the doors learnt of',
  learnFacesFromDoors: 'added faces from the doors to',
  importPerson: 'imported in bulk',
  updateSettings: 'changed the settings',
  createApiKey: 'created an API key',
  revokeApiKey: 'revoked an API key',
  createAdmin: 'created an administrator',
  removeAdmin: 'removed an administrator',
  setViewerFacesRead: 'changed whether face images are shown to',
  changeActiveModel: 'changed the model the doors decide with',
  revokeSessions: 'ended the sessions of',
  createDoor: 'created a door',
  updateDoor: 'changed a door',
  deleteDoor: 'deleted a door',
  markAttemptLive: 'marked an attempt live at',
  createAccessGroup: 'created a group',
  deleteAccessGroup: 'deleted a group',
  addGroupMembers: 'added to a group',
  removeGroupMembers: 'removed from a group',
  allowGroupAtDoor: 'allowed a group at a door',
  disallowGroupAtDoor: 'disallowed a group at a door',
  saveSchedule: 'saved a schedule',
  deleteSchedule: 'deleted a schedule',
  issueVisitorPass: 'issued a visitor pass to',
  revokeVisitorPass: 'revoked a visitor pass of',
  setPersonPin: 'set the PIN of',
  clearPersonPin: 'cleared the PIN of',
  createWebhook: 'created a webhook',
  updateWebhook: 'changed a webhook',
  deleteWebhook: 'deleted a webhook',
  testWebhook: 'tested a webhook',
  replayWebhookDelivery: 'replayed a webhook delivery of',
};

/** Settings by name, as the Settings page says them. */
const SETTINGS: Record<string, string> = {
  threshold: 'verification threshold',
  falseAcceptRate: 'false-accept target',
  stepUp: 'second factor for borderline faces',
  rule: 'gallery rule',
  rateLimitPerMinute: 'attempts per minute per key',
  auditImageRetentionDays: 'days audit images are kept',
  liveness: 'liveness check',
  adaptiveTemplates: 'learning from the doors',
  requireSecondFactor: "administrators' second factor required",
};

const plural = (n: unknown, one: string, many = `${one}s`) => `${Number(n)} ${Number(n) === 1 ? one : many}`;

/** A setting's value in words. */
function value(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (typeof v === 'number')
    return Number.isInteger(v) ? v.toLocaleString('en') : v < 0.01 ? v.toExponential(0) : String(Number(v.toFixed(3)));
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k.replace(/([A-Z])/g, ' $1').toLowerCase()} ${value(x)}`)
      .join(', ');
  }
  return String(v).toLowerCase();
}

/** Settings changed: "verification threshold 0.347 → 0.4". */
export function settingChanges(details: Record<string, unknown>): { name: string; before: string; after: string }[] {
  const changes = (details.changes ?? {}) as Record<string, { before: unknown; after: unknown }>;
  return Object.entries(changes).map(([key, c]) => ({ name: SETTINGS[key] ?? key, before: value(c.before), after: value(c.after) }));
}

/** What else the line says, in words; never an id. */
export function detailText(action: string, d: Record<string, unknown>): string {
  switch (action) {
    case 'enrollPerson':
    case 'enrollFaces':
    case 'learnFacesFromDoors':
    case 'importPerson':
      return [
        `${plural(d.enrolled, 'photo')} enrolled`,
        Number(d.rejected) > 0 ? `${d.rejected} refused` : null,
        d.created || d.newPerson ? 'new person' : null,
        d.archive ? 'from a zip' : null,
        d.allowDuplicates ? 'look-alike override confirmed' : null,
      ]
        .filter(Boolean)
        .join(', ');
    case 'mergePeople':
      return `${d.merged}: ${plural(d.samplesMoved, 'face sample')}, ${plural(d.passesMoved, 'visitor pass', 'visitor passes')}, ${plural(d.groupsAdded, 'group')}, ${plural(d.auditEventsMoved, 'audit event')} moved${d.cardMoved ? ', the card' : ''}${d.pinMoved ? ', the PIN' : ''}; the duplicate erased`;
    case 'deletePerson':
      return `${plural(d.samplesErased, 'face sample')} and ${plural(d.auditImagesErased, 'audit image')} erased`;
    case 'updatePerson':
      return Array.isArray(d.changed) && d.changed.length > 0
        ? `changed: ${d.changed.map((k) => ({ cardId: 'card', active: d.active === false ? 'made inactive' : 'active' })[k as string] ?? k).join(', ')}`
        : '';
    case 'removeAdaptiveSamples':
      return `${plural(d.removed, 'sample')} removed`;
    case 'addGroupMembers':
    case 'removeGroupMembers':
      return d.group ? `group ${d.group}` : '';
    case 'allowGroupAtDoor':
      return `at ${d.door ?? 'a door'}${d.scheduleId ? ', in a schedule' : ', at any time'}`;
    case 'disallowGroupAtDoor':
      return `at ${d.door ?? 'a door'}`;
    case 'saveSchedule':
      return d.created ? 'new schedule' : '';
    case 'issueVisitorPass':
      return `valid ${String(d.validFrom ?? '')
        .slice(0, 16)
        .replace('T', ' ')} to ${String(d.validUntil ?? '')
        .slice(0, 16)
        .replace(
          'T',
          ' ',
        )} UTC${Array.isArray(d.doorIds) && d.doorIds.length > 0 ? `, ${plural(d.doorIds.length, 'door')}` : ', every door'}`;
    case 'createApiKey':
      return Array.isArray(d.scopes) ? `scopes ${d.scopes.join(', ').toLowerCase()}` : '';
    case 'revokeApiKey':
      return d.reason ? `${d.reason}${d.door ? ` (${d.door})` : ''}` : '';
    case 'deleteDoor':
      return Array.isArray(d.revokedKeys) && d.revokedKeys.length > 0 ? `${plural(d.revokedKeys.length, 'key')} revoked with it` : '';
    case 'markAttemptLive':
      return typeof d.livenessScore === 'number' ? `liveness score ${d.livenessScore.toFixed(3)}` : '';
    case 'createAdmin':
      return d.role
        ? `role ${String(d.role).toLowerCase()}${String(d.role).toLowerCase() === 'viewer' ? `, face images ${d.facesRead ? 'shown' : 'hidden'}` : ''}`
        : '';
    case 'setViewerFacesRead': {
      const c = (d.changes as { facesRead?: { before: unknown; after: unknown } } | undefined)?.facesRead;
      const words = (v: unknown) => (v === true ? 'shown' : v === false ? 'hidden' : 'unknown');
      return c ? `face images ${words(c.before)} → ${words(c.after)}` : '';
    }
    case 'changeActiveModel':
      return [
        d.to ? `to ${d.to}` : null,
        d.againstAdvice ? 'against the comparison’s advice: this head never did better than the model alone, confirmed' : null,
      ]
        .filter(Boolean)
        .join(', ');
    case 'revokeSessions':
      return typeof d.sessions === 'number' ? plural(d.sessions, 'session') : '';
    case 'updateSettings':
      return '';
    default:
      // Plain values only, never ids.
      return Object.entries(d)
        .filter(([k, v]) => !/Ids?$/.test(k) && k !== 'id' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))
        .map(([k, v]) => `${k.replace(/([A-Z])/g, ' $1').toLowerCase()} ${value(v)}`)
        .join(', ');
  }
}
