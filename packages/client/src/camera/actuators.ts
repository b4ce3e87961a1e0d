import { spawn } from 'node:child_process';
import type { MqttClient } from 'mqtt';

/** What the door is told when it opens (never an image or a score). */
export interface Opening {
  readonly person: string | null;
  readonly personId: string | null;
  readonly attemptId: string;
  readonly at: string;
}

export interface Actuator {
  readonly name: string;
  open(opening: Opening): Promise<void>;
}

/** Publishes the opening as JSON (QoS 1, not retained: a lock that reconnects must not open again). */
export function mqttActuator(client: MqttClient, topic: string): Actuator {
  return {
    name: 'mqtt',
    async open(opening) {
      await client.publishAsync(topic, JSON.stringify(opening), { qos: 1 });
    },
  };
}

/** POSTs the opening as JSON; anything but a 2xx within 5 s is a failure. */
export function webhookActuator(url: string): Actuator {
  return {
    name: 'webhook',
    async open(opening) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(opening),
        signal: AbortSignal.timeout(5000),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`the webhook answered HTTP ${res.status}`);
    },
  };
}

/**
 * Runs the installer's command through the shell, with the opening in its environment
 * (FACEGATE_PERSON, FACEGATE_PERSON_ID, FACEGATE_ATTEMPT_ID, FACEGATE_AT); a non-zero exit is a failure.
 */
export function commandActuator(command: string): Actuator {
  return {
    name: 'command',
    open(opening) {
      const env = {
        ...process.env,
        FACEGATE_PERSON: opening.person ?? '',
        FACEGATE_PERSON_ID: opening.personId ?? '',
        FACEGATE_ATTEMPT_ID: opening.attemptId,
        FACEGATE_AT: opening.at,
      };
      return new Promise((resolve, reject) => {
        const child = spawn(command, { shell: true, stdio: ['ignore', 'inherit', 'inherit'], env, timeout: 30_000 });
        child.on('error', reject);
        child.on('close', (code, signal) =>
          code === 0 ? resolve() : reject(new Error(`the command ${signal ? `was ended by ${signal}` : `exited with ${code}`}`)),
        );
      });
    },
  };
}
