import { describe, expect, it } from 'vitest';
import { JobNotFoundError, NotFoundError, shortError, ValidationError } from '../src/index.js';

describe('shortError', () => {
  it('when a problem type has a short string of its own, then that is it (Internet ID’s wording)', () => {
    expect(shortError(new ValidationError('bad').code, 400)).toBe('Validation failed');
    expect(shortError(new JobNotFoundError('no job x').code, 404)).toBe('Job not found');
    expect(shortError(new NotFoundError('no DID').code, 404)).toBe('Not found');
  });

  it('when a problem type has none, then its status decides', () => {
    expect(shortError('unauthorized', 401)).toBe('Unauthorized');
    expect(shortError('rate_limited', 429)).toBe('Too many requests');
    expect(shortError('something_new', 599)).toBe('Server error');
  });

  it('when a job is not found, then it is a 404 NotFoundError with its own code', () => {
    const error = new JobNotFoundError('no job x');
    expect(error).toBeInstanceOf(NotFoundError);
    expect({ code: error.code, status: error.status }).toEqual({ code: 'job_not_found', status: 404 });
  });
});
