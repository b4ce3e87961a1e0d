import { lexicographicSortSchema } from 'graphql';
import { builder } from '../builder.ts';
import './scalars.ts';
import './errors.ts';
import './admin.ts';
import './second-factor.ts';
import './single-sign-on.ts';
import './passkey.ts';
import './person.ts';
import './enrolment.ts';
import './door.ts';
import './api-key.ts';
import './door-deletion.ts';
import './recognition-event.ts';
import './recognition.ts';
import './audit-log.ts';
import './settings.ts';
import './access-policy.ts';
import './webhook.ts';
import './models.ts';
import './admin-log.ts';
import './door-faces.ts';
import './bulk-import.ts';
import { withAdminLog } from './admin-log.ts';

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

// Every administrator's mutation that succeeds is written in the action log (schema/admin-log.ts).
export const schema = withAdminLog(lexicographicSortSchema(builder.toSchema()));
