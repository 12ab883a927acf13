// Node-RED loads this file; the code is compiled from src/nodes/filebridge-quarantine.ts into dist/.
module.exports = require('../dist/nodes/filebridge-quarantine');
