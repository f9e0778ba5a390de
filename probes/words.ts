// Counting words in details, headlines and reports: "1 finding", "3 findings".
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
