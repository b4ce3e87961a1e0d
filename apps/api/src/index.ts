export * from './db/index.ts';
export { verifyWebhookSignature, signWebhook, WEBHOOK_HEADERS } from './events/signature.ts';
