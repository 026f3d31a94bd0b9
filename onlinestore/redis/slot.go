package redis

// Redis Cluster places a key in one of 16384 hash slots: CRC16 (XMODEM:
// polynomial 0x1021, initial value 0) of the key, or of its hash tag (the
// bytes between the first '{' and the first '}' after it, when there are
// any), modulo 16384.

const clusterSlots = 16384

var crc16Table = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

func crc16(b []byte) uint16 {
	var c uint16
	for _, x := range b {
		c = c<<8 ^ crc16Table[byte(c>>8)^x]
	}
	return c
}

// hashTag is the part of key that decides its slot.
func hashTag(key []byte) []byte {
	for i, c := range key {
		if c != '{' {
			continue
		}
		for j := i + 1; j < len(key); j++ {
			if key[j] == '}' {
				if j == i+1 {
					return key // "{}": the whole key
				}
				return key[i+1 : j]
			}
		}
		return key
	}
	return key
}

// Slot is the cluster hash slot of a Redis key.
func Slot(key []byte) int { return int(crc16(hashTag(key)) % clusterSlots) }
