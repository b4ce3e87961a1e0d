// The Prisma client's types, from the SQLite flavour of the generated client: the PostgreSQL client
// is generated from the same model, so its rows have the same shapes.
import type { PrismaClient } from '../../generated/sqlite/client.ts';

export type Prisma = PrismaClient;
export type {
  Admin as AdminModel,
  ApiKey as ApiKeyModel,
  Door as DoorModel,
  FaceSample as FaceSampleModel,
  Passkey as PasskeyModel,
  Person as PersonModel,
  RecognitionEvent as RecognitionEventModel,
  SecurityEvent as SecurityEventModel,
} from '../../generated/sqlite/client.ts';
