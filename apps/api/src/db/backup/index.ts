// `facegate db backup` / `facegate db restore`: an online, consistent snapshot of the database (SQLite's
// backup API; pg_dump's single snapshot on PostgreSQL), sealed with AES-256-GCM under the data key or a
// passphrase, and its restore into an empty database only.
export { backupDatabase, type BackupResult } from './backup.ts';
export { BackupError, readBackupHeader, type BackupErrorCode, type BackupHeader, type SealWith } from './backup-file.ts';
export { restoreDatabase, type RestoreResult } from './restore.ts';
