import Type from 'typebox';

/** A path to a file holding a secret. Secrets are never inline in the config. */
export const SecretFile = (description: string) =>
  Type.String({ minLength: 1, description: `${description} (path to a file; the value is never copied into evidence, logs or reports)` });

export const FilePath = (description: string) => Type.String({ minLength: 1, description });

export const Port = (description = 'TCP port') => Type.Integer({ minimum: 1, maximum: 65535, description });

export const Host = (description: string) =>
  Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9_.:\\[\\]-]+$', description });

export const DateString = (description: string) =>
  Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: `${description} (YYYY-MM-DD)` });
