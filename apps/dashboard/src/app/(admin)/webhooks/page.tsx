import type { Metadata } from 'next';
import { graphql } from '@/generated';
import type { WebhooksPageQuery } from '@/generated/graphql';
import { safeRead } from '@/lib/api';
import { requireUser } from '@/lib/session';
import { ErrorPanel } from '@/components/error-panel';
import { NewWebhookForm, WebhookList } from './webhook-forms';

export const metadata: Metadata = { title: 'Webhooks' };

const WebhooksPageDocument = graphql(`
  query WebhooksPage {
    webhooks {
      ...WebhookRow
    }
    doors {
      id
      name
    }
    mqttSettings {
      enabled
      broker
      authenticated
      topicPrefix
      connected
      waiting
    }
  }
`);

type Mqtt = WebhooksPageQuery['mqttSettings'];

/** Where MQTT messages go; read-only, since the environment sets it. */
function MqttPanel({ mqtt }: { mqtt: Mqtt }) {
  const prefix = mqtt.topicPrefix ?? 'facegate';
  return (
    <section className="panel" aria-labelledby="mqtt-title" data-testid="mqtt">
      <h2 id="mqtt-title">MQTT</h2>
      {mqtt.enabled ? (
        <dl className="facts">
          <dt>Broker</dt>
          <dd>
            <code>{mqtt.broker}</code>
            {mqtt.authenticated ? ' (with a user name and password, not shown)' : ''}
          </dd>
          <dt>Topic prefix</dt>
          <dd>
            <code>{prefix}</code>
          </dd>
          <dt>Connection</dt>
          <dd>
            <span className={`badge ${mqtt.connected ? 'ACCEPTED' : 'REFUSED'}`}>{mqtt.connected ? 'connected' : 'not connected'}</span> ·{' '}
            {mqtt.waiting} {mqtt.waiting === 1 ? 'message' : 'messages'} waiting
          </dd>
          <dt>Topics</dt>
          <dd>
            <code>{prefix}/doors/&lt;doorId&gt;/events</code>, <code>{prefix}/events/&lt;decision&gt;</code>, <code>{prefix}/status</code>{' '}
            (online/offline, retained)
          </dd>
        </dl>
      ) : (
        <p>MQTT is off: no broker is configured.</p>
      )}
      <p className="hint">
        These come from the API&apos;s environment, so they are read-only here. To change them, set <code>FACEGATE_MQTT_URL</code> (e.g.{' '}
        <code>mqtt://user:password@broker:1883</code>; unset turns MQTT off) and <code>FACEGATE_MQTT_TOPIC_PREFIX</code> (default{' '}
        <code>facegate</code>) where the API runs, then restart it. Messages written meanwhile wait in the database.
      </p>
    </section>
  );
}

export default async function WebhooksPage() {
  const me = await requireUser();
  if (me.role !== 'ADMIN') {
    return (
      <>
        <h1>Webhooks and MQTT</h1>
        <p className="alert warn">
          Webhooks and the MQTT broker are configuration: only administrators see them. Their delivery log is shown to administrators too.
        </p>
      </>
    );
  }
  const { data, error } = await safeRead(WebhooksPageDocument);
  if (!data) return <ErrorPanel message={error} />;
  return (
    <>
      <h1>Webhooks and MQTT</h1>
      <p className="muted">
        Every attempt at a door is sent out as signed JSON to the webhooks below and to the MQTT broker, after the door has its answer (the
        door never waits). A receiver that is down gets it later: each delivery is retried for about two hours, then marked failed, and can
        be replayed from its log.
      </p>
      <section className="panel" aria-labelledby="webhooks-title">
        <h2 id="webhooks-title">Webhooks</h2>
        <WebhookList webhooks={data.webhooks} doors={data.doors} />
      </section>
      <section className="panel" aria-labelledby="new-webhook-title">
        <h2 id="new-webhook-title">New webhook</h2>
        <NewWebhookForm doors={data.doors} />
        <p className="hint">
          Each request is a POST with <code>X-Facegate-Timestamp</code> and{' '}
          <code>X-Facegate-Signature: v1=&lt;HMAC-SHA256 of &quot;timestamp.body&quot;&gt;</code>; the receiver checks it with the secret (
          <code>verifyWebhookSignature</code> in <code>@facegate/api</code>) and drops repeats by <code>X-Facegate-Id</code>. No face image,
          distance or card id is ever sent.
        </p>
      </section>
      <MqttPanel mqtt={data.mqttSettings} />
    </>
  );
}
