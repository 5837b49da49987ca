// Tests read many JSON answers whose shape each assertion checks; `any` here keeps them readable.
declare global {
  interface Response {
    json(): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  }
}
export {};
