'use strict';
// Prints the library's versions and the layout koffi gives the structs, one
// field a line, so that it can be compared with what a C compiler makes of
// include/lz4framed.h:
//   node info.js [--lib PATH]

const { open, takeLibArg, runMain, Preferences, FrameInfo } = require('./lz4framed');

runMain(() => {
  const [libPath] = takeLibArg(process.argv.slice(2));
  const lib = open(libPath);
  console.log(`library ${lib.path}`);
  console.log(`version ${lib.lz4framed_version_string()} (${lib.lz4framed_version_number()})`);
  console.log(`lz4 ${lib.lz4framed_lz4_version_string()}`);
  for (const type of [Preferences, FrameInfo]) {
    console.log(`struct ${type.name} size ${type.size} align ${type.alignment}`);
    for (const member of Object.values(type.members)) {
      console.log(`field ${type.name}.${member.name} offset ${member.offset} size ${member.type.size}`);
    }
  }
});
