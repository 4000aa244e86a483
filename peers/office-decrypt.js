// Decrypt a password-protected Office file with officecrypto-tool, an implementation written apart
// from the msoffcrypto-tool that XBank encrypts with.
// Usage: node office-decrypt.js INPUT PASSWORD OUTPUT
// Exit 0: decrypted to OUTPUT; 3: INPUT is not an encrypted Office file; 4: wrong password.
const fs = require('fs');
const officeCrypto = require('officecrypto-tool');

const [, , input, password, output] = process.argv;
(async () => {
  const data = fs.readFileSync(input);
  if (!officeCrypto.isEncrypted(data)) {
    console.error('not an encrypted Office file');
    process.exit(3);
  }
  try {
    fs.writeFileSync(output, await officeCrypto.decrypt(data, { password }));
  } catch (error) {
    console.error(`decrypt failed: ${error.message}`);
    process.exit(4);
  }
})();
