import type { FormEvent } from 'react';

/** Asks before a form that cannot be undone is sent (keyboard and screen readers get the browser's dialog). */
export function confirmFirst(question: string) {
  return (event: FormEvent<HTMLFormElement>) => {
    if (!window.confirm(question)) event.preventDefault();
  };
}
