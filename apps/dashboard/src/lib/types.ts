// Hand-written GraphQL shapes still used by pages not yet on typed documents ('@/generated'):
// settings/page.tsx and settings/settings-forms.tsx. The other pages use ConsoleDoorFragment (lib/fragments.ts).
export interface Door {
  id: string;
  name: string;
  location: string | null;
}
