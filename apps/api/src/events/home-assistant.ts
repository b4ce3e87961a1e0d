import { EVENT_DECISIONS } from './payload.ts';

/**
 * Home Assistant MQTT discovery (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery): one
 * retained config message per entity, `<discovery>/<component>/facegate_<doorId>/<object>/config`, so
 * each door appears as a device without YAML. Both entities read the door's events topic
 * (`<prefix>/doors/<doorId>/events`, already sent) and are unavailable while `<prefix>/status` says offline.
 *
 * - `event` "Decision": one HA event per attempt (event_type accepted, refused, step_up or error), with
 *   its reason, kind, time and attempt id; the template leaves the person out, so the event entity
 *   (and HA's history of it) names no one.
 * - `sensor` "Last person": the name of the last person the door let in (a refusal keeps the previous
 *   state). Its state comes from the door's events topic, which names the person on acceptance: that
 *   topic is for administrators' broker accounts (see docs/integrations.md, broker ACLs).
 *
 * A deleted door's configs are replaced by empty retained messages, which removes its entities.
 */
export interface DiscoveryDoor {
  readonly id: string;
  readonly name: string;
}

const OBJECTS = [
  { component: 'event', object: 'decision' },
  { component: 'sensor', object: 'last_person' },
] as const;

const nodeId = (doorId: string) => `facegate_${doorId.replace(/[^a-zA-Z0-9_-]/g, '_')}`;

/** The config topics of a door's entities. */
export function discoveryTopics(discoveryPrefix: string, doorId: string): string[] {
  return OBJECTS.map(({ component, object }) => `${discoveryPrefix}/${component}/${nodeId(doorId)}/${object}/config`);
}

/** The retained config messages announcing a door's entities. */
export function discoveryMessages(discoveryPrefix: string, topicPrefix: string, door: DiscoveryDoor): { topic: string; payload: string }[] {
  const node = nodeId(door.id);
  const common = {
    device: { identifiers: [node], name: door.name, manufacturer: 'facegate', model: 'Door' },
    origin: { name: 'facegate' },
    state_topic: `${topicPrefix}/doors/${door.id}/events`,
    availability: [{ topic: `${topicPrefix}/status`, payload_available: 'online', payload_not_available: 'offline' }],
    qos: 1,
  };
  const configs = {
    decision: {
      ...common,
      name: 'Decision',
      unique_id: `${node}_decision`,
      event_types: [...EVENT_DECISIONS],
      value_template:
        "{{ {'event_type': value_json.decision, 'reason': value_json.reason, 'kind': value_json.kind, 'time': value_json.time, 'attempt_id': value_json.attemptId} | to_json }}",
      icon: 'mdi:door',
    },
    last_person: {
      ...common,
      name: 'Last person',
      unique_id: `${node}_last_person`,
      value_template: '{{ value_json.personName if value_json.accepted and value_json.personName else this.state }}',
      icon: 'mdi:account',
    },
  };
  return OBJECTS.map(({ component, object }) => ({
    topic: `${discoveryPrefix}/${component}/${node}/${object}/config`,
    payload: JSON.stringify(configs[object]),
  }));
}
