// The device-link, broker-sessions and firmware keys are validated like every
// other key: unknown keys, wrong shapes and contradictions are errors naming
// the path.
import t from 'tap';
import { validateConfig } from '../../agent/config/load.js';

const validate = (raw: unknown) => validateConfig(raw, { baseDir: '/etc/pathaudit', file: 'pathaudit.yaml' });
const BROKER = { host: '127.0.0.1', listeners: [{ name: 'mqtts', port: 8883, tls: true }] };

function problems(raw: unknown): string[] {
  try {
    validate(raw);
    return [];
  } catch (err) {
    return (err as { problems?: string[] }).problems ?? [String(err)];
  }
}

t.test('every new key with a valid value is accepted; a relative log_file resolves against the config folder', async (t) => {
  const loaded = validate({
    broker: { ...BROKER, log_file: 'mosquitto.log', log_window_h: 48, log_timestamp_format: '%Y-%m-%dT%H:%M:%S', log_max_mb: 512, auth_failure_threshold: 3, tls_failure_threshold: 2, max_reconnects: 50 },
    devices: { inventory: [{ id: 'stm32-01', usb_serial: '066DFF343334434257153219', client_id: 'plant-a/stm32-01' }, { id: 'stm32-02' }], serial_group: 'dialout', allowed_usb: ['12d1:1506', '0BDA:8153'] },
    telemetry: { topics: ['devices/+/telemetry'], firmware: { pointer: '/fw', minimum: '2.4.0-rc.1+build.5' } },
  });
  t.equal(loaded.config.broker?.log_file, '/etc/pathaudit/mosquitto.log');
});

const BAD: Array<[string, unknown, RegExp]> = [
  ['a typo under devices', { devices: { alowed_usb: [] } }, /^devices\.alowed_usb: unknown key/],
  ['allowed_usb not vid:pid', { devices: { allowed_usb: ['12d1-1506'] } }, /^devices\.allowed_usb\[0\]: must match pattern/],
  ['a serial group with a space', { devices: { serial_group: 'dial out' } }, /^devices\.serial_group: must match pattern/],
  ['a usb_serial with a control character', { devices: { inventory: [{ id: 'a', usb_serial: 'AB\u0001' }] } }, /^devices\.inventory\[0\]\.usb_serial: must match pattern/],
  ['two devices with one client id', { devices: { inventory: [{ id: 'a' }, { id: 'b', client_id: 'a' }] } }, /^devices\.inventory\[1\]\.client_id: "a" is also the client_id of devices\.inventory\[0\] \(a\)$/],
  ['two devices with one USB serial', { devices: { inventory: [{ id: 'a', usb_serial: 'X1' }, { id: 'b', usb_serial: 'X1' }] } }, /^devices\.inventory\[1\]\.usb_serial: "X1" is also the usb_serial of devices\.inventory\[0\] \(a\)$/],
  ['a log window beyond a week', { broker: { ...BROKER, log_file: '/x', log_window_h: 169 } }, /^broker\.log_window_h: must be <= 168$/],
  ['a zero threshold', { broker: { ...BROKER, auth_failure_threshold: 0 } }, /^broker\.auth_failure_threshold: must be >= 1$/],
  ['a timestamp format without a date', { broker: { ...BROKER, log_timestamp_format: '%H:%M:%S' } }, /^broker\.log_timestamp_format "%H:%M:%S": a timestamp needs a year, month, day, hour and minute/],
  ['an unknown strftime conversion', { broker: { ...BROKER, log_timestamp_format: '%Y-%m-%d %H:%M:%S.%f' } }, /^broker\.log_timestamp_format ".*": %f is not a conversion broker-sessions reads/],
  ['a firmware minimum that is not semver', { telemetry: { topics: ['t/+'], firmware: { pointer: '/fw', minimum: '2.4' } } }, /^telemetry\.firmware\.minimum: must match pattern/],
  ['a firmware policy without its pointer', { telemetry: { topics: ['t/+'], firmware: { minimum: '2.4.0' } } }, /^telemetry\.firmware\.pointer: is required/],
  ['a firmware pointer without its slash', { telemetry: { topics: ['t/+'], firmware: { pointer: 'fw' } } }, /^telemetry\.firmware\.pointer: must match pattern/],
];

for (const [name, raw, expected] of BAD) {
  t.test(`invalid: ${name}`, async (t) => {
    const p = problems(raw);
    t.ok(p.some((line) => expected.test(line)), `${expected} in ${JSON.stringify(p)}`);
  });
}

t.test('the same device listed twice is not a client-id clash', async (t) => {
  t.same(problems({ devices: { inventory: [{ id: 'a' }, { id: 'a', usb_serial: 'X' }] } }), []);
});
