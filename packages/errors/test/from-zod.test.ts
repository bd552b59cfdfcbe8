import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldErrorsFromZod, formatFieldErrors, ValidationError } from '../src/index.js';

const Schema = z.object({
  name: z.string().min(1, { message: 'is required' }),
  owner: z.object({ contact: z.object({ email: z.email({ message: 'must be an email address' }) }) }),
  tags: z.array(z.string().max(3, { message: 'is longer than 3' })),
});

function zodError(schema: z.ZodType, value: unknown): z.ZodError {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error('expected the value to be refused');
  return parsed.error;
}

const bad = { name: '', owner: { contact: { email: 'nope' } }, tags: ['ok', 'too long'] };

describe('ValidationError.fromZod', () => {
  it('when fields deep in objects and arrays are refused, then each is named by its dotted path with its message', () => {
    const error = ValidationError.fromZod(zodError(Schema, bad), 'invalid body');
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.status).toBe(400);
    expect(error.code).toBe('validation_failed');
    expect(error.message).toBe('invalid body');
    expect(error.errors).toEqual([
      { field: 'name', message: 'is required' },
      { field: 'owner.contact.email', message: 'must be an email address' },
      { field: 'tags.1', message: 'is longer than 3' },
    ]);
  });

  it('when the whole value is refused, then the field is (body), or the fallback field given', () => {
    const error = zodError(Schema, 'a string');
    expect(ValidationError.fromZod(error, 'invalid body').errors).toEqual([{ field: '(body)', message: expect.any(String) }]);
    expect(ValidationError.fromZod(error, 'invalid query', { fallbackField: 'query' }).errors?.[0]?.field).toBe('query');
  });

  it('when a prefix is given, then it leads every path and names an issue about the whole value', () => {
    const error = ValidationError.fromZod(zodError(Schema, bad), 'invalid payload', { prefix: 'payload' });
    expect(error.errors?.map((e) => e.field)).toEqual(['payload.name', 'payload.owner.contact.email', 'payload.tags.1']);
    const whole = ValidationError.fromZod(zodError(Schema, null), 'invalid payload', { prefix: 'payload', fallbackField: '(root)' });
    expect(whole.errors?.map((e) => e.field)).toEqual(['payload']);
  });

  it('when detail is asked for, then the message lists each field and its problem after the given message', () => {
    const error = ValidationError.fromZod(zodError(Schema, { ...bad, name: 'x', tags: [] }), 'Invalid input', { detail: true });
    expect(error.message).toBe('Invalid input: owner.contact.email must be an email address');
  });

  it('when the refused value is a secret, then neither the errors nor the cause carry it', () => {
    const secret = 'not-an-email-0xprivatekey';
    const error = ValidationError.fromZod(zodError(Schema, { ...bad, owner: { contact: { email: secret } } }), 'invalid body', { detail: true });
    expect(JSON.stringify(error.errors)).not.toContain(secret);
    expect(error.message).not.toContain(secret);
    expect(error.cause).toBeUndefined();
  });
});

describe('fieldErrorsFromZod and formatFieldErrors', () => {
  it("when a refinement on an array item names a field, then the item's index and the field are joined with dots", () => {
    const Rows = z.array(z.object({ a: z.number(), b: z.number() }).refine((r) => r.a < r.b, { message: 'a must be below b', path: ['a'] }));
    const errors = fieldErrorsFromZod(zodError(Rows, [{ a: 1, b: 2 }, { a: 3, b: 2 }]));
    expect(errors).toEqual([{ field: '1.a', message: 'a must be below b' }]);
    expect(formatFieldErrors(errors)).toBe('1.a a must be below b');
  });

  it('when there are several errors, then they are joined with "; "', () => {
    expect(
      formatFieldErrors([
        { field: 'a', message: 'is bad' },
        { field: 'b.c', message: 'is worse' },
      ]),
    ).toBe('a is bad; b.c is worse');
  });
});
