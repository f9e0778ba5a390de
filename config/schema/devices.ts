import Type from 'typebox';
import { FilePath } from './common.js';

export const DevicesSection = Type.Object(
  {
    ca_file: Type.Optional(FilePath('Device CA certificate')),
    cert_dir: Type.Optional(FilePath('Directory of device certificates (*.pem, *.crt)')),
    inventory: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Type.String({ minLength: 1, maxLength: 128 }),
            cert: Type.Optional(FilePath('Device certificate')),
            usb_serial: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 128,
                pattern: '^[\\x20-\\x7e]+$',
                description: 'USB serial number the device reports when attached to the gateway (sysfs `serial`; DL-01 fails when no attached device has it)',
              }),
            ),
            client_id: Type.Optional(
              Type.String({ minLength: 1, maxLength: 256, description: 'MQTT client id the device connects with (default: the id); broker-sessions BS-04 knows the device by it' }),
            ),
          },
          { additionalProperties: false },
        ),
        { maxItems: 100000 },
      ),
    ),
    expiry_warn_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650, description: 'DC-02: a device certificate expiring within this many days fails (default 30)' })),
    serial_group: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 32,
        pattern: '^[A-Za-z_][A-Za-z0-9_.-]*\\$?$',
        description: 'DL-04: the only group that may write to serial nodes (ttyACM*, ttyUSB*, ttyAMA*) (default dialout)',
      }),
    ),
    allowed_usb: Type.Optional(
      Type.Array(Type.String({ pattern: '^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}$', description: 'vendor:product id, four hex digits each (e.g. 12d1:1506)' }), {
        maxItems: 256,
        description: 'DL-05: USB mass-storage or HID devices allowed on this gateway besides the inventory ("vid:pid")',
      }),
    ),
  },
  { additionalProperties: false },
);
