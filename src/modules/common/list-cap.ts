// Every list input names its cap, by kind: `@Extensions(listCap('points'))`. The server checks the
// caps on raw input before coercion (src/server/list-caps.ts), with the sizes from the config.
export const LIST_CAP = 'listCap';
export type ListCapName = 'objects' | 'points' | 'ids' | 'scopes';

export const listCap = (name: ListCapName) => ({ [LIST_CAP]: name });
