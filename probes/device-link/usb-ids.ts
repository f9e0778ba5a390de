// What a USB vendor:product pair (or product string) says about a device.
// Ids are lower-case hex, as sysfs writes them.

/** STMicroelectronics. */
export const ST_VENDOR = '0483';
/** The STM32 system-memory (ROM) bootloader in USB DFU mode (AN3156). */
export const STM32_DFU_PRODUCT = 'df11';
/** SEGGER: every J-Link enumerates under this vendor id. */
export const SEGGER_VENDOR = '1366';

/** ST-LINK/V2, V2-1, V3 and their variants (ST's stlink udev rules). */
const ST_LINK_PRODUCTS = new Set(['3744', '3748', '374b', '374d', '374e', '374f', '3752', '3753', '3754', '3757']);

export const USB_CLASS = { hid: '03', massStorage: '08', hub: '09' } as const;

export function isStm32Dfu(vendorId: string, productId: string): boolean {
  return vendorId === ST_VENDOR && productId === STM32_DFU_PRODUCT;
}

/**
 * The debug probe family, or null. CMSIS-DAP probes come from many vendors;
 * the CMSIS-DAP specification requires "CMSIS-DAP" in the product string,
 * which is how host tools find them, so that is what is matched.
 */
export function debugProbeKind(vendorId: string, productId: string, product: string | null): string | null {
  if (vendorId === ST_VENDOR && ST_LINK_PRODUCTS.has(productId)) return 'ST-LINK';
  if (vendorId === SEGGER_VENDOR) return 'SEGGER J-Link';
  if (product && /cmsis-dap/i.test(product)) return 'CMSIS-DAP';
  return null;
}

/** `vid:pid` as configured in devices.allowed_usb (case-insensitive). */
export const usbId = (vendorId: string, productId: string) => `${vendorId}:${productId}`.toLowerCase();
