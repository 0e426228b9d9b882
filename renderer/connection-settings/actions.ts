// Connection settings requests. Every answer is the settings without secrets; the key typed into
// the form is sent once (save or test) and never comes back.
import type { RequestInput, Result, ResultTypes } from '../../engine/api/contract';
import { api } from '../api';

export function loadConnectionSettings(): Promise<Result<ResultTypes['broker:get_settings']>> {
  return api.request('broker:get_settings', {});
}

export function saveKeys(input: RequestInput<'broker:save_keys'>): Promise<Result<ResultTypes['broker:save_keys']>> {
  return api.request('broker:save_keys', input);
}

export function clearKeys(input: RequestInput<'broker:clear_keys'>): Promise<Result<ResultTypes['broker:clear_keys']>> {
  return api.request('broker:clear_keys', input);
}

export function testConnection(input: RequestInput<'broker:test_connection'>): Promise<Result<ResultTypes['broker:test_connection']>> {
  return api.request('broker:test_connection', input);
}

export function switchEnvironment(input: RequestInput<'broker:switch_environment'>): Promise<Result<ResultTypes['broker:switch_environment']>> {
  return api.request('broker:switch_environment', input);
}
