import { STANDARDS, type ControlMeta } from '../types.js';

const { E, I, C, N } = STANDARDS;

export const controls: ControlMeta[] = [
  {
    id: 'DL-01',
    title: 'Inventory device not attached to the gateway',
    severity: 'high',
    rationale:
      'An inventory device with a known USB serial number is expected on this gateway\'s USB bus. When no attached device reports that serial, the device is unplugged, dead, stuck in a different mode (a bootloader reports another identity) or has been swapped for another unit.',
    remediation:
      'Check the device\'s cable, power and mode (a device in its bootloader shows up as DL-02); if the unit was replaced on purpose, update devices.inventory[].usb_serial to the new serial number.',
    verification: 'Rerun `pathaudit run --check device-link`: DL-01 passes when every inventory device with usb_serial is attached (the serial appears in /sys/bus/usb/devices/*/serial).',
    standards: [`${N} device identification`],
    effort: 'small',
  },
  {
    id: 'DL-02',
    plainWords: 'a device sits in its bootloader: its firmware can be read out or replaced over USB',
    title: 'STM32 in its ROM bootloader (USB DFU) attached',
    severity: 'critical',
    rationale:
      'An STM32 that enumerates as 0483:df11 is running its system-memory bootloader: anyone with access to the gateway can read or rewrite its flash with dfu-util, bypassing every firmware protection short of read-out protection. Devices left there after an update also do not run their application.',
    remediation:
      'Reset the device into its application (release BOOT0, power-cycle, or `dfu-util -e`); if it keeps entering the bootloader, check the BOOT0 strap and option bytes; enable read-out protection (RDP level 1 or 2) on production units.',
    verification: 'Rerun `pathaudit run --check device-link`: DL-02 passes when no attached USB device reports 0483:df11.',
    standards: [`${E} 5.6-4`, `${I} 3.1`, `${C} EDR 2.13`],
    effort: 'small',
  },
  {
    id: 'DL-03',
    plainWords: 'a debug probe on the gateway gives full control of the device behind it',
    title: 'Debug probe attached (ST-LINK, J-Link, CMSIS-DAP)',
    severity: 'high',
    rationale:
      'A debug probe gives whoever reaches the gateway SWD/JTAG access to the device behind it: halt the core, dump RAM and keys, flash new firmware. A probe left plugged into a production gateway after bring-up or an on-site repair is a standing backdoor. Its mass-storage drag-and-drop flashing interface belongs to the same risk.',
    remediation: 'Unplug the debug probe from the production gateway; if remote debugging is a deliberate service need, document it as a waiver with an expiry date.',
    verification: 'Rerun `pathaudit run --check device-link`: DL-03 passes when no attached USB device is an ST-LINK (0483:3744…3757), a SEGGER J-Link (1366:*) or a CMSIS-DAP probe.',
    standards: [`${E} 5.6-4`, `${I} 1.2.4`, `${C} EDR 2.13`],
    effort: 'small',
  },
  {
    id: 'DL-04',
    title: 'Serial node writable beyond its owner and the serial group',
    severity: 'medium',
    rationale:
      'Whoever can write a device\'s serial node (ttyACM*, ttyUSB*, ttyAMA*) can send it commands, and on many STM32 boards drive its bootloader or a debug console. Write access must stay with the owner and the one group the gateway grants serial access (devices.serial_group, dialout by default).',
    remediation:
      'Fix the udev rule that creates the node: MODE="0660", GROUP="dialout" (or the configured serial group), e.g. in /etc/udev/rules.d/99-stm32.rules, then `udevadm control --reload && udevadm trigger`; remove chmod 666 workarounds.',
    verification: 'Rerun `pathaudit run --check device-link`: DL-04 passes when no serial node is writable by others, and a group-writable node belongs to devices.serial_group.',
    standards: [`${E} 5.6-5`, `${C} 2.1`],
    effort: 'small',
  },
  {
    id: 'DL-05',
    title: 'Unknown USB mass-storage or HID device attached',
    severity: 'medium',
    rationale:
      'A USB stick can carry data off the gateway or malware onto it, and a HID device (keyboard, "BadUSB" implant) can type commands as if at the console. On an unattended gateway every such device should be known: in the inventory or explicitly allowed.',
    remediation: 'Remove the device; if it belongs there (e.g. an LTE modem that also enumerates as storage), add its "vid:pid" to devices.allowed_usb or its serial to the inventory.',
    verification: 'Rerun `pathaudit run --check device-link`: DL-05 passes when every attached mass-storage (class 08) or HID (class 03) device is in the inventory or devices.allowed_usb.',
    standards: [`${E} 5.6-3`, `${E} 5.6-5`],
    effort: 'small',
  },
];
