import { lexicographicSortSchema } from 'graphql';
import { builder } from '../builder.ts';
import './scalars.ts';
import './errors.ts';
import './admin.ts';
import './person.ts';
import './door.ts';
import './api-key.ts';
import './recognition.ts';
import './settings.ts';
import './access-policy.ts';
import './webhook.ts';

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

export const schema = lexicographicSortSchema(builder.toSchema());
