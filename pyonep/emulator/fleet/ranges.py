"""Serial number ranges: checking a posted range, writing the serial number of a number in
a range, and telling whether a serial number is in one (no state)."""
import re

from pyonep.emulator.fleet.common import FleetError, RANGE_FORMATS, RANGE_KEYS


def normalize_range(spec):
    """Check one serial number range object and return it with defaults filled in.

    A range is ``{"format": "base10"|"base16"|"mac:48"|"mac-48"|"mac.48", "length": n
    (not for mac formats; 0 or null means no padding), "casing": "upper"|"lower" (null
    means lower), "first": n, "last": n}``. exoline sends ``length`` and ``casing`` as null
    when it has no value for them. Raises :class:`FleetError` (400) for anything else.
    """
    if not isinstance(spec, dict):
        raise FleetError(400, 'each range must be an object')
    fmt = spec.get('format')
    if fmt not in RANGE_FORMATS:
        raise FleetError(400, 'range format must be one of %s' % ', '.join(RANGE_FORMATS))
    out = {'format': fmt}
    for key in ('first', 'last'):
        value = spec.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise FleetError(400, 'range %s must be a non-negative integer' % key)
        out[key] = value
    if out['first'] > out['last']:
        raise FleetError(400, 'range first must not be above last')
    if fmt.startswith('mac'):
        if out['last'] >= 1 << 48:
            raise FleetError(400, 'a mac range holds 48-bit numbers')
    else:
        length = spec.get('length') or 0
        if not isinstance(length, int) or isinstance(length, bool) or not 0 <= length <= 64:
            raise FleetError(400, 'range length must be an integer from 0 to 64')
        out['length'] = length
    if fmt != 'base10':
        casing = spec.get('casing') or 'lower'
        if casing not in ('upper', 'lower'):
            raise FleetError(400, 'range casing must be "upper" or "lower"')
        out['casing'] = casing
    return out


def posted_range(spec):
    """Return range ``spec`` (already checked by :func:`normalize_range`) as the platform
    shows it: the five keys as they were posted, a missing one as None (null)."""
    return dict((key, spec.get(key)) for key in RANGE_KEYS)


def range_sn(spec, number):
    """Return the serial number text of ``number`` in the (normalized) range ``spec``."""
    fmt = spec['format']
    if fmt == 'base10':
        return str(number).zfill(spec['length'])
    digits = '%x' % number
    if fmt == 'base16':
        digits = digits.zfill(spec['length'])
    else:
        digits = digits.zfill(12)
        if fmt == 'mac.48':
            digits = '.'.join(digits[i:i + 4] for i in range(0, 12, 4))
        else:
            digits = fmt[3].join(digits[i:i + 2] for i in range(0, 12, 2))
    return digits.upper() if spec['casing'] == 'upper' else digits


def in_range(spec, sn):
    """Return True when serial number ``sn`` is written exactly as range ``spec`` writes
    one of its numbers."""
    text = sn
    if spec['format'].startswith('mac'):
        text = re.sub(r'[:.-]', '', sn)
    base = 10 if spec['format'] == 'base10' else 16
    if not text or not re.match(r'^[0-9a-fA-F]+$' if base == 16 else r'^[0-9]+$', text):
        return False
    number = int(text, base)
    return spec['first'] <= number <= spec['last'] and range_sn(spec, number) == sn
