'use client';

import { useFormStatus } from 'react-dom';
import type { ReactNode } from 'react';

export function SubmitButton({
  children,
  pending: pendingText,
  className,
  disabled,
  label,
}: {
  children: ReactNode;
  pending: string;
  className?: string;
  disabled?: boolean;
  label?: string;
}) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" className={className} disabled={pending || disabled} aria-busy={pending} aria-label={label}>
      {pending ? pendingText : children}
    </button>
  );
}
